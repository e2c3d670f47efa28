/**
 * The rules that make extraction real (a module never imports another module, and the shared
 * libraries never import a module) and the layers inside each module (docs/decisions/0016).
 * Paths are matched anywhere in the tree so the architecture test can prove each rule fires on
 * a deliberately violating fixture.
 */
/** Inside one module, layer `from` never imports layer `to`. */
const layerRule = (name, from, to, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: `(^|/)src/modules/([^/]+)/${from}/` },
  to: { path: `(^|/)src/modules/$2/${to}/` },
});

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
      // Packages built to build/src/ (OpenTelemetry's) are not the composition root.
      to: { path: '(^|/)src/', pathNot: '(^|/)node_modules/' },
    },
    {
      name: 'domain-is-plain',
      comment:
        "A module's domain is plain TypeScript: it imports its own domain and Node's built-ins, nothing of Nest, TypeORM, libs/ or the other layers.",
      severity: 'error',
      from: { path: '(^|/)src/modules/([^/]+)/domain/' },
      to: { pathNot: '(^|/)src/modules/$2/domain/', dependencyTypesNot: ['core'] },
    },
    layerRule(
      'application-not-interface',
      'application',
      'interface',
      'Use cases do not know how they are reached (HTTP, jobs): interface/ depends on application/, never the reverse.',
    ),
    layerRule(
      'application-not-infrastructure',
      'application',
      'infrastructure',
      'Use cases reach persistence and queues through ports in application/ports/; infrastructure/ implements them.',
    ),
    layerRule(
      'infrastructure-not-interface',
      'infrastructure',
      'interface',
      'Adapters implement ports; they do not call into controllers or job processors.',
    ),
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|dist-test)/' },
    tsConfig: { fileName: 'tsconfig.base.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
