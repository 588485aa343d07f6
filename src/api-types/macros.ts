export type MacroVariable =
  | 'customer.name'
  | 'customer.firstName'
  | 'advisor.name'
  | 'advisor.firstName'
  | 'conversation.id'
  | 'conversation.subject';

/** A saved answer as the API shows it. */
export interface Macro {
  readonly id: number;
  readonly name: string;
  readonly body: string;
  readonly variables: MacroVariable[];
  readonly updatedAt: string;
}
