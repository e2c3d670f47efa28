import { defineSettings, integer, setting, type Settings, type SettingsOf } from '#libs/config';

export type CatalogSettings = Settings & SettingsOf<typeof catalogSettings>;
export const catalogSettings = defineSettings({
  httpCacheMaxAgeSeconds: setting(
    'HTTP_CACHE_MAX_AGE_SECONDS',
    integer(0, 86_400),
    60,
    '`Cache-Control: max-age` of cacheable public reads (products, categories).',
  ),
  httpCacheStaleWhileRevalidateSeconds: setting(
    'HTTP_CACHE_STALE_WHILE_REVALIDATE_SECONDS',
    integer(0, 86_400),
    300,
    '`stale-while-revalidate` of cacheable public reads, for CDNs.',
  ),
  httpCacheStaleIfErrorSeconds: setting(
    'HTTP_CACHE_STALE_IF_ERROR_SECONDS',
    integer(0, 604_800),
    3600,
    '`stale-if-error` of cacheable public reads, for CDNs: how long past `max-age` a CDN may keep answering with a product or list while Tessera answers 5xx or cannot be reached.',
  ),
});
