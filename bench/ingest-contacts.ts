/** The contact points of bench person n: each person always writes from the same email, phone and handle. */
export function contactOf(person: number) {
  return {
    email: `person${person}@bench.example`,
    phone: `+3361${String(person % 10_000_000).padStart(7, '0')}`,
    social: { network: 'instagram' as const, handle: `person${person}` },
  };
}
