import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependencies point one way: platform <- domain areas <- channels and routes <- server.ts / main.ts.
const domainAreas = [
  'customers',
  'conversations',
  'routing',
  'shops',
  'advisors',
  'knowledge',
  'insights',
  'audit',
];

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'test-artifacts', 'web/dist', '**/*.d.ts'] },
  js.configs.recommended,
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js', '*.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...domainAreas, 'channels', 'demo']
                .map((area) => `**/${area}/**`)
                .concat(['**/server.ts', '**/main.ts']),
              message: 'platform/ is used by the domain, never the other way round',
            },
          ],
        },
      ],
    },
  },
  {
    files: domainAreas.map((area) => `src/${area}/**/*.ts`),
    ignores: ['src/**/*.routes.ts', 'src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/channels/**', '**/demo/**', '**/server.ts', '**/main.ts'],
              message: 'a domain area never imports a channel, the demo or the server',
            },
            { group: ['**/*.routes.ts'], message: 'domain code does not depend on HTTP routes' },
          ],
        },
      ],
    },
  },
);
