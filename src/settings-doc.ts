import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSettingsDoc } from '#libs/config';
import { TESSERA_MODULES } from './modules';

// `npm run docs:settings`: rewrites the tables of docs/configuration.md from the declarations.
const doc = join(__dirname, '..', 'docs', 'configuration.md');
writeFileSync(doc, renderSettingsDoc(TESSERA_MODULES, readFileSync(doc, 'utf8')));
