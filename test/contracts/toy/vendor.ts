/**
 * A toy fourth vendor, defined in test code only: "Acme Directory", which can `park` a domain.
 * It is built like the real modules (its commands, target schema, client on the shared HTTP
 * layer, result view) and plugs into a composition with no change under src/core/.
 */
import { z } from 'zod';
import type { HttpClient } from '../../../adapters/http.ts';
import type { AdapterModule } from '../../../adapters/module.ts';
import { redactRequest } from '../../../adapters/redact.ts';
import { isRecord, tryJson } from '../../../adapters/response.ts';
import { VendorError } from '../../../adapters/vendor-error.ts';
import { httpsUrl, secretRef } from '../../../src/core/config/fields.ts';
import type { Secret } from '../../../src/core/config/secret.ts';
import type { PreparedRequest, VendorCall } from '../../../src/core/ports.ts';

export interface AcmeTarget {
  name: string;
  vendor: 'acme';
  url: string;
  token: Secret;
}

const schema = z.strictObject({ url: httpsUrl, auth: z.strictObject({ token: secretRef }) });

/** `POST {url}/domains/{domain}:park` `{"soft": bool}` → `{"domain", "parkedAt"}`. */
function request(target: AcmeTarget, call: VendorCall): PreparedRequest {
  return {
    method: 'POST',
    url: `${target.url}/domains/${encodeURIComponent(String(call.domain))}:park`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${target.token.reveal()}` },
    body: JSON.stringify({ soft: call.soft === true }),
    idempotent: false,
  };
}

export const acme: AdapterModule<AcmeTarget> = {
  vendor: 'acme',
  title: 'Acme Directory',
  commands: [
    {
      action: 'park',
      subject: 'domain',
      flags: [{ name: '--soft', summary: 'keep the domain reserved for the organization' }],
      summary: 'Park a domain in the Acme Directory',
      description: 'Asks the Acme Directory to park the domain: its users can no longer sign in with it.',
      destructive: true,
      example: 'park abc.com in acme-1 --soft',
      call: (domain, flags) => ({ action: 'park', domain, soft: flags.has('--soft') }),
      facts: (call) => (call.soft === true ? [{ label: 'Soft', value: 'yes' }] : []),
    },
  ],
  targetSchema: schema,
  buildTarget(name, parsed, secret) {
    const t = parsed as z.output<typeof schema>;
    return { name, vendor: 'acme', url: t.url, token: secret(t.auth.token, `targets.${name}.auth.token`) };
  },
  label: (target) => `${target.name} (Acme Directory at ${new URL(target.url).host})`,
  reference: (target) => `directory ${new URL(target.url).host}`,
  urls: (target) => [[`targets.${target.name}.url`, target.url]],
  createClient(target, deps: { http: HttpClient }) {
    return {
      vendor: 'acme',
      target: target.name,
      describe: (call) => {
        const real = request({ ...target, token: { reveal: () => 'x' } as unknown as Secret }, call);
        return redactRequest(real);
      },
      async execute(call) {
        const response = await deps.http.send(request(target, call), { vendor: 'acme' });
        const body = tryJson(response.body);
        if (response.status !== 200 || !isRecord(body)) {
          throw new VendorError({
            vendor: 'acme',
            code: 'vendor_bad_request',
            message: `Acme refused to park ${String(call.domain)} (${response.status})`,
            status: response.status,
          });
        }
        return { action: 'park', domain: String(body.domain), parkedAt: String(body.parkedAt), raw: body };
      },
    };
  },
  view: (result, target) => ({
    title: `Parked ${String(result.domain)}`,
    tone: 'success',
    sections: [
      { kind: 'text', text: `Parked ${String(result.domain)} in ${target}.` },
      { kind: 'facts', facts: [{ label: 'Parked at', value: String(result.parkedAt) }] },
    ],
  }),
};
