import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layering of Rapport's domain areas, lowest first (docs/architecture.md draws it). An area may
 * import `platform/`, `api-types/` and any area in a LOWER layer, never one in its own layer or above;
 * its routes (`*.routes.ts`) follow the same rule and never import another routes file. `channels`
 * here means the channel domain, the files at the root of `src/channels/`; its adapters
 * (`src/channels/<name>/`) sit above every domain area and no domain area imports them.
 */
const layers = [
  ['channels'],
  ['advisors'],
  ['shops', 'customers'],
  ['conversations'],
  ['routing'],
  ['authority'],
  ['insights', 'macros', 'audit'],
  ['contacts'],
  ['integrations'],
];
const domainAreas = layers.flat();
const edges = ['demo', 'server.ts', 'main.ts'];

/**
 * What files of `area` must not import: areas of its own layer and above, adapters, the edges. Routes
 * may also use the access hook every route passes (`advisors/authenticate.ts`), whatever their layer.
 */
function forbiddenFor(area, { routes }) {
  const layer = layers.findIndex((names) => names.includes(area));
  const notBelow = layers
    .slice(layer)
    .flat()
    .filter((other) => other !== area);
  const layering = {
    group: notBelow
      .map((other) => `**/${other}/*`)
      .concat(routes && notBelow.includes('advisors') ? ['!**/advisors/authenticate.ts'] : []),
    message: `${area}/ may use only areas below it in the layering (see docs/architecture.md)`,
  };
  return [
    ...(notBelow.length > 0 ? [layering] : []),
    {
      group: ['**/channels/*/**'],
      message: 'a domain area never imports a channel adapter',
    },
    {
      group: ['**/demo/**', '**/server.ts', '**/main.ts'],
      message: 'a domain area never imports the demo or the server',
    },
  ];
}

const noRoutesFromRoutes = {
  group: ['**/*.routes.ts'],
  message: 'routes are registered by server.ts only; shared schemas live with their domain',
};

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
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...domainAreas, ...edges.filter((e) => !e.endsWith('.ts'))]
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
    files: ['src/api-types/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../**'],
              message: 'api-types/ is pure wire types: it imports nothing but its own files',
            },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...domainAreas.flatMap((area) => {
    const folder = area === 'channels' ? 'src/channels/*' : `src/${area}/**/*`;
    return [
      {
        files: [`${folder}.ts`],
        ignores: ['src/**/*.test.ts', 'src/**/*.routes.ts'],
        rules: {
          'no-restricted-imports': [
            'error',
            { patterns: [...forbiddenFor(area, { routes: false }), noRoutesFromRoutes] },
          ],
        },
      },
      {
        files: [`${folder}.routes.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            { patterns: [...forbiddenFor(area, { routes: true }), noRoutesFromRoutes] },
          ],
        },
      },
    ];
  }),
  {
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx', 'web/widget/**/*.ts', 'web/widget/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/**/*.ts', '!**/src/api-types/*.ts'],
              message:
                'the front end imports from src/ only the shared wire types in src/api-types/',
            },
          ],
        },
      ],
    },
  },
);
