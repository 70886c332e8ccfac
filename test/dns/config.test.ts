/** The `dns:` settings: defaults, resolver addresses with optional ports, and clear errors. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/core/errors.ts';

const FILE = '/etc/domainops/domainops.yaml';
const withDns = (dns: string) => `
targets:
  yc-sso: { vendor: yandex, federationId: bpf3crucp1v2abcdefgh, auth: { iamToken: env:YC_IAM_TOKEN } }
${dns}
`;

function issues(text: string): { path: string; message: string }[] {
  try {
    parseConfig(text, FILE, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('dns:', () => {
  it('defaults: the system resolvers, port 53, 3 s queries, a check every 10 s for up to 10 min, precheck on, IPv6 asked', () => {
    expect(parseConfig(withDns(''), FILE, {}).dns).toEqual({
      resolvers: [],
      port: 53,
      timeout: 3_000,
      interval: 10_000,
      wait: 600_000,
      precheck: true,
      ipv6: true,
    });
  });

  it('reads the line of the configuration reference', () => {
    const config = parseConfig(
      withDns(`dns: { resolvers: [1.1.1.1, 9.9.9.9], port: 53, timeout: 3s,
       interval: 10s, wait: 10m, precheck: true }  # dns-check, --wait`),
      FILE,
      {},
    );
    expect(config.dns.resolvers).toEqual([
      { host: '1.1.1.1', port: 53 },
      { host: '9.9.9.9', port: 53 },
    ]);
    expect(config.dns.wait).toBe(600_000);
  });

  it('takes resolvers with a port, IPv6 bare or in brackets', () => {
    const config = parseConfig(
      withDns(
        `dns: { resolvers: ['9.9.9.9:5353', '2606:4700::1', '[2606:4700::1111]:8053'], port: 5300, precheck: false }`,
      ),
      FILE,
      {},
    );
    expect(config.dns).toMatchObject({
      resolvers: [
        { host: '9.9.9.9', port: 5353 },
        { host: '2606:4700::1', port: 53 },
        { host: '2606:4700::1111', port: 8053 },
      ],
      port: 5300,
      precheck: false,
      ipv6: true,
    });
  });

  it('asks IPv6 addresses unless ipv6: false', () => {
    expect(parseConfig(withDns('dns: { ipv6: false }'), FILE, {}).dns.ipv6).toBe(false);
    expect(issues(withDns("dns: { ipv6: 'no' }"))).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: expect.stringContaining('ipv6 is true or false') }),
      ]),
    );
  });

  it('names each bad setting and says what to write', () => {
    const found = issues(
      withDns(
        `dns: { resolvers: [dns.google, '1.1.1.1:0', '[1.1.1.1]:53'], port: 70000, timeout: soon, precheck: 'yes', retries: 2 }`,
      ),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        {
          path: 'dns.resolvers[0]',
          message: expect.stringContaining(
            '"dns.google" is not an IP address: write 1.1.1.1, 9.9.9.9:5353 or [2606:4700::1]:53',
          ),
        },
        { path: 'dns.resolvers[1]', message: '"1.1.1.1:0": the port must be 1-65535' },
        { path: 'dns.resolvers[2]', message: '"[1.1.1.1]:53": only an IPv6 address goes in [brackets]' },
        { path: 'dns.port', message: expect.any(String) },
        { path: 'dns.timeout', message: expect.stringContaining('is not a duration') },
        { path: 'dns.precheck', message: 'precheck is true or false' },
        { path: 'dns', message: expect.stringContaining('retries') },
      ]),
    );
  });
});
