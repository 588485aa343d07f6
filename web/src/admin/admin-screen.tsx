import { followLink, href } from '../router.ts';
import { PeopleAdmin } from './people-admin.tsx';
import { ServiceLevelsAdmin } from './service-levels-admin.tsx';
import { MacrosAdmin } from './macros-admin.tsx';
import { TeamsAdmin } from './teams-admin.tsx';
import { ShopsAdmin } from './shops-admin.tsx';
import { ChannelsAdmin } from './channels-admin.tsx';
import { WebhooksAdmin } from './webhooks-admin.tsx';
import { JobsAdmin } from './jobs-admin.tsx';
import { TokensAdmin } from './tokens-admin.tsx';
import { AuditLogAdmin } from './audit-log-admin.tsx';

const sections = [
  { id: 'people', name: 'People and roles' },
  { id: 'teams', name: 'Teams' },
  { id: 'shops', name: 'Shops and hours' },
  { id: 'channels', name: 'Channels' },
  { id: 'service-levels', name: 'Service levels' },
  { id: 'macros', name: 'Macros' },
  { id: 'webhooks', name: 'Webhooks' },
  { id: 'jobs', name: 'Jobs' },
  { id: 'tokens', name: 'API tokens' },
  { id: 'audit', name: 'Audit log' },
] as const;

/** Administration: people, roles and skills; teams; shops and hours; channels; service levels; macros; webhooks; background jobs; API tokens; the audit log. */
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
      {section === 'teams' && <TeamsAdmin />}
      {section === 'shops' && <ShopsAdmin />}
      {section === 'channels' && <ChannelsAdmin />}
      {section === 'service-levels' && <ServiceLevelsAdmin />}
      {section === 'macros' && <MacrosAdmin />}
      {section === 'webhooks' && <WebhooksAdmin />}
      {section === 'jobs' && <JobsAdmin />}
      {section === 'tokens' && <TokensAdmin />}
      {section === 'audit' && <AuditLogAdmin />}
    </div>
  );
}
