import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSettings } from './settings';

describe('README settings table', () => {
  it('documents every setting with its default', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const setting of describeSettings()) {
      expect(readme).toContain(`| \`${setting.name}\` |`);
    }
  });
});
