import createClient, { type Client } from 'openapi-fetch';
import { recordFetchResponse } from '../support/api-exchanges';
import type { paths } from './api';

/** A client of the Tessera API, typed by what `openapi-typescript` generated from docs/openapi.json. */
export type TesseraClient = Client<paths>;

/**
 * A typed client for `baseUrl`, as a consumer would generate it; every response is also offered
 * to the e2e contract check.
 */
export function tesseraClient(baseUrl: string, accessToken?: string): TesseraClient {
  const client = createClient<paths>({
    baseUrl,
    ...(accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {}),
  });
  client.use({
    async onResponse({ request, response }) {
      await recordFetchResponse(request.method, request.url, response);
    },
  });
  return client;
}
