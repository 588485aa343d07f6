import { followLink, href } from '../router.ts';
import { PeopleAdmin } from './people-admin.tsx';
import { ServiceLevelsAdmin } from './service-levels-admin.tsx';
import { MacrosAdmin } from './macros-admin.tsx';

const sections = [
  { id: 'people', name: 'People and roles' },
  { id: 'service-levels', name: 'Service levels' },
  { id: 'macros', name: 'Macros' },
] as const;

/** Administration: people, roles, teams and skills; channels' service-level promises; macros. */
export function AdminScreen({ section }: { section: string }) {
  return (
    <div className="admin">
      <h1>Administration</h1>
      <nav aria-label="Administration" className="tabs">
        {sections.map((s) => (
          <a
            key={s.id}
            href={href(`/admin/${s.id}`)}
            onClick={(e) => followLink(e, `/admin/${s.id}`)}
            aria-current={section === s.id ? 'page' : undefined}
          >
            {s.name}
          </a>
        ))}
      </nav>
      {section === 'people' && <PeopleAdmin />}
      {section === 'service-levels' && <ServiceLevelsAdmin />}
      {section === 'macros' && <MacrosAdmin />}
    </div>
  );
}
