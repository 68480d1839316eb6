const path = require('node:path');
module.exports = { forbidden: [ { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
 { name: 'no-circular-folders', scope: 'folder', severity: 'error', from: {}, to: { circular: true } } ],
 options: { doNotFollow: { path: 'node_modules' }, tsConfig: { fileName: path.join(__dirname, 'apps/server/tsconfig.json') }, tsPreCompilationDeps: true, exclude: { path: '\\.test\\.ts$' } } };
