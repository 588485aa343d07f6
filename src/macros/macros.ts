import type { Kysely } from 'kysely';
import type { Database, MacroRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import type { Viewer } from '../advisors/access.ts';
import { visibleConversation } from '../conversations/conversations.ts';
import type { Macro, MacroVariable } from '../api-types/macros.ts';

/** The variables a macro may use, each filled from the case it is used on. */
export const macroVariables = [
  'customer.name',
  'customer.firstName',
  'advisor.name',
  'advisor.firstName',
  'conversation.id',
  'conversation.subject',
] as const satisfies readonly MacroVariable[];
export type MacroValues = Record<MacroVariable, string>;

const placeholder = /\{\{\s*([a-zA-Z.]+)\s*\}\}/g;

/** The variables a body uses; an unknown one is Invalid, so a typo is caught when saved, not when sent. */
export function variablesOf(body: string, field = 'body'): MacroVariable[] {
  const found = new Set<MacroVariable>();
  for (const match of body.matchAll(placeholder)) {
    const name = match[1]!;
    if (!(macroVariables as readonly string[]).includes(name))
      throw new Invalid(
        field,
        `{{${name}}} is not a variable; use ${macroVariables.map((v) => `{{${v}}}`).join(', ')}`,
      );
    found.add(name as MacroVariable);
  }
  return [...found];
}

/** Fills a macro's variables (pure). */
export function fillMacro(body: string, values: MacroValues): string {
  return body.replace(placeholder, (whole, name: string) =>
    (macroVariables as readonly string[]).includes(name) ? values[name as MacroVariable] : whole,
  );
}

function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

function toMacro(row: MacroRow): Macro {
  return {
    id: row.id,
    name: row.name,
    body: row.body,
    variables: variablesOf(row.body),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Every macro, by name. */
export async function listMacros(db: Kysely<Database>): Promise<Macro[]> {
  return (await db.selectFrom('macros').selectAll().orderBy('name').execute()).map(toMacro);
}

async function nameTaken(
  db: Kysely<Database>,
  name: string,
  except: number | null,
): Promise<boolean> {
  let query = db.selectFrom('macros').select('id').where('name', '=', name);
  if (except !== null) query = query.where('id', '!=', except);
  return (await query.executeTakeFirst()) !== undefined;
}

/** Saves a new macro; names are unique (also in the database). */
export async function createMacro(
  unit: Unit,
  input: { readonly name: string; readonly body: string },
  actor: Actor,
): Promise<Macro> {
  const name = input.name.trim();
  if (!name) throw new Invalid('name', 'must not be blank');
  variablesOf(input.body);
  if (await nameTaken(unit.db, name, null))
    throw new Conflict(`a macro named "${name}" already exists`);
  const row = await unit.db
    .insertInto('macros')
    .values({
      name,
      body: input.body,
      created_by: actor.type === 'advisor' ? actor.id : null,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const macro = toMacro(row);
  await unit.record({
    type: 'macro.created',
    actor,
    entity: { type: 'macro', id: row.id },
    after: { name: macro.name, body: macro.body },
  });
  return macro;
}

/** Renames or rewrites a macro. */
export async function updateMacro(
  unit: Unit,
  id: number,
  changes: { readonly name?: string | undefined; readonly body?: string | undefined },
  actor: Actor,
): Promise<Macro> {
  const before = await unit.db
    .selectFrom('macros')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!before) throw new NotFound('macro');
  const name = changes.name?.trim();
  if (name !== undefined && !name) throw new Invalid('name', 'must not be blank');
  if (changes.body !== undefined) variablesOf(changes.body);
  if (name !== undefined && (await nameTaken(unit.db, name, id)))
    throw new Conflict(`a macro named "${name}" already exists`);
  const row = await unit.db
    .updateTable('macros')
    .set({
      ...(name !== undefined ? { name } : {}),
      ...(changes.body !== undefined ? { body: changes.body } : {}),
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'macro.updated',
    actor,
    entity: { type: 'macro', id },
    before: { name: before.name, body: before.body },
    after: { name: row.name, body: row.body },
  });
  return toMacro(row);
}

/** Deletes a macro. */
export async function deleteMacro(unit: Unit, id: number, actor: Actor): Promise<void> {
  const before = await unit.db
    .selectFrom('macros')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!before) throw new NotFound('macro');
  await unit.db.deleteFrom('macros').where('id', '=', id).execute();
  await unit.record({
    type: 'macro.deleted',
    actor,
    entity: { type: 'macro', id },
    before: { name: before.name, body: before.body },
  });
}

/** A macro filled for one case the viewer may see, signed by the viewer. */
export async function renderMacro(
  db: Kysely<Database>,
  id: number,
  conversationId: number,
  viewer: Viewer,
): Promise<{ macroId: number; text: string }> {
  const macro = await db.selectFrom('macros').selectAll().where('id', '=', id).executeTakeFirst();
  if (!macro) throw new NotFound('macro');
  const conversation = await visibleConversation(db, conversationId, viewer);
  const customer = await db
    .selectFrom('customers')
    .select('display_name')
    .where('id', '=', conversation.customer_id)
    .executeTakeFirstOrThrow();
  const values: MacroValues = {
    'customer.name': customer.display_name,
    'customer.firstName': firstName(customer.display_name),
    'advisor.name': viewer.name,
    'advisor.firstName': firstName(viewer.name),
    'conversation.id': String(conversation.id),
    'conversation.subject': conversation.subject,
  };
  return { macroId: id, text: fillMacro(macro.body, values) };
}

export type { Macro, MacroVariable };
