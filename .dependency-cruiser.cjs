/**
 * The layers of src/ and what each may import (README, "Layout"). Checked by
 * `npm run check:structure`, which `npm test` runs first.
 */
const layer = (name) => `^src/${name}/`;

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'No import cycle, type imports included.', from: {}, to: { circular: true } },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment: 'Workflow code imports only the contract, the pure model, other workflow code, the SDK, activity types, and fflate (pure deflate for carry-overs).',
      from: { path: layer('workflows') },
      to: { pathNot: ['^src/(workflows|contract|pipe)/', '^node_modules/@temporalio/(workflow|common)/', '^node_modules/fflate/'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'activities-do-not-import-workflows',
      severity: 'error',
      from: { path: layer('activities') },
      to: { path: layer('workflows') },
    },
    {
      name: 'pipe-model-is-pure',
      severity: 'error',
      comment: 'src/pipe is shared by all, workflows included: only itself, zod and the SDK\'s common types.',
      from: { path: layer('pipe') },
      to: { pathNot: [layer('pipe'), '^node_modules/(zod|@temporalio/common|yaml)/', '^fs$', '^node:fs$'] },
    },
    {
      name: 'contract-imports-only-the-model',
      severity: 'error',
      from: { path: layer('contract') },
      to: { pathNot: ['^src/(contract|pipe)/', '^node_modules/@temporalio/workflow/'] },
    },
    {
      name: 'connectors-stay-apart',
      severity: 'error',
      comment: 'The source (mysql) and the destination (clickhouse) do not know each other; cdc and activities join them.',
      from: { path: '^src/(mysql|clickhouse)/' },
      to: { path: '^src/(mysql|clickhouse)/', pathNot: '^src/$1/' },
    },
    {
      name: 'connectors-below-activities',
      severity: 'error',
      from: { path: '^src/(mysql|clickhouse|cdc)/' },
      to: { path: '^src/(activities|workflows|cli|control|console)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
