import { HttpCachePolicy } from '#libs/http';
import type { CatalogSettings } from '../../catalog.settings';

/** What a CDN may do with the catalogue's public reads (docs/http-api.md, "Caching"). */
export function catalogCachePolicy(settings: CatalogSettings): HttpCachePolicy {
  return new HttpCachePolicy({
    maxAge: settings.httpCacheMaxAgeSeconds,
    staleWhileRevalidate: settings.httpCacheStaleWhileRevalidateSeconds,
    staleIfError: settings.httpCacheStaleIfErrorSeconds,
  });
}
