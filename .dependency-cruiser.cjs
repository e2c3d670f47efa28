/**
 * The rules that make extraction real: a module never imports another module, and the
 * shared libraries never import a module. Paths are matched anywhere in the tree so the
 * architecture test can prove the rules fire on a deliberately violating fixture.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-module-imports',
      comment: 'Modules talk through integration events (libs/contracts) and queues, never by importing each other.',
      severity: 'error',
      from: { path: '(^|/)src/modules/([^/]+)/' },
      to: { path: '(^|/)src/modules/([^/]+)/', pathNot: '(^|/)src/modules/$2/' },
    },
    {
      name: 'no-libs-to-modules',
      comment: 'libs/* is shared ground: it must not depend on any bounded context.',
      severity: 'error',
      from: { path: '(^|/)libs/' },
      to: { path: '(^|/)src/modules/' },
    },
    {
      name: 'no-libs-to-app',
      comment: 'libs/* must not depend on the composition root either.',
      severity: 'error',
      from: { path: '(^|/)libs/' },
      to: { path: '(^|/)src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|dist-test|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.base.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
