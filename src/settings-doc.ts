import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvExample, renderSettingsDoc } from '#libs/config';
import { TESSERA_MODULES } from './modules';

// `npm run docs:settings`: rewrites the tables of docs/configuration.md and `.env.example` from the declarations.
const root = join(__dirname, '..');
const doc = join(root, 'docs', 'configuration.md');
writeFileSync(doc, renderSettingsDoc(TESSERA_MODULES, readFileSync(doc, 'utf8')));
writeFileSync(join(root, '.env.example'), renderEnvExample(TESSERA_MODULES));
