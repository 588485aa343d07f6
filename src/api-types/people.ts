export type Role = 'advisor' | 'shop_advisor' | 'supervisor' | 'admin' | 'integration';

/** An advisor as the API shows it; never the password hash. */
export interface Advisor {
  readonly id: number;
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly teamId: number | null;
  readonly shopId: number | null;
  readonly languages: string[];
  readonly skills: string[];
  readonly active: boolean;
}

/** One person in the directory: enough to show who owns a case and who wrote. */
export interface DirectoryPerson {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly teamId: number | null;
  readonly shopId: number | null;
  readonly active: boolean;
}

/** Colleagues' and teams' names, to show who owns and who wrote. */
export interface Directory {
  readonly advisors: DirectoryPerson[];
  readonly teams: Array<{ id: number; name: string; kind: string }>;
}
