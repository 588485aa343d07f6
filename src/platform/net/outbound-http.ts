import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Invalid } from '../errors.ts';

/**
 * Outbound HTTP to addresses that users typed (webhook subscriptions): refused when the name
 * resolves to a private, loopback, link-local or otherwise internal address, unless an admin
 * allow-listed it (SSRF). The check runs inside the connection's own DNS lookup, so a name that
 * changes its answer between the check and the connection (DNS rebinding) is refused too.
 */

/** Kinds of address a request from Rapport must never reach without an allow-list entry. */
export type AddressClass =
  'public' | 'private' | 'loopback' | 'link-local' | 'unspecified' | 'multicast' | 'reserved';

const ranges: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', AddressClass]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'private'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'], // cloud metadata lives here
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.0.2.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['198.51.100.0', 24, 'ipv4', 'reserved'],
  ['203.0.113.0', 24, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b::', 96, 'ipv6', 'reserved'],
  ['100::', 64, 'ipv6', 'reserved'],
  ['2001:db8::', 32, 'ipv6', 'reserved'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const lists = new Map<AddressClass, net.BlockList>();
for (const [network, prefix, family, kind] of ranges) {
  const list = lists.get(kind) ?? new net.BlockList();
  list.addSubnet(network, prefix, family);
  lists.set(kind, list);
}

/** What kind of address an IP literal is; an IPv4-mapped IPv6 address counts as its IPv4. */
export function classifyAddress(address: string): AddressClass {
  let ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined;
  if (!family) throw new Invalid('address', `${address} is not an IP address`);
  for (const [kind, list] of lists) if (list.check(ip, family)) return kind;
  return 'public';
}

/**
 * An admin's allow-list: entries are host names (`hooks.internal.example`), IP addresses, or CIDR
 * ranges (`10.1.0.0/16`, `127.0.0.1/32`). Only these internal destinations may be reached.
 */
export interface AllowList {
  readonly entries: readonly string[];
}

function allowedByList(host: string, address: string | undefined, allow: AllowList): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of allow.entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === name) return true;
    if (address === undefined) continue;
    const [network, bits] = entry.split('/');
    const ip = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    const family = net.isIPv4(ip) ? 'ipv4' : 'ipv6';
    if (!network || !(net.isIPv4(network) || net.isIPv6(network))) continue;
    const list = new net.BlockList();
    const networkFamily = net.isIPv4(network) ? 'ipv4' : 'ipv6';
    if (networkFamily !== family) continue;
    if (bits === undefined) list.addAddress(network, networkFamily);
    else list.addSubnet(network, Number(bits), networkFamily);
    if (list.check(ip, family)) return true;
  }
  return false;
}

/** Thrown when a destination is internal and not allow-listed. */
export class RefusedDestination extends Invalid {
  constructor(field: string, reason: string) {
    super(field, reason);
  }
}

/**
 * Checks a URL a user gave before it is stored: http(s) only, no credentials in it, and a host
 * that resolves only to public addresses (or is allow-listed). Returns the normalised URL.
 */
export async function assertPublicUrl(
  raw: string,
  allow: AllowList,
  field = 'url',
  lookup: typeof dns.promises.lookup = dns.promises.lookup,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Invalid(field, 'is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Invalid(field, 'must be an http or https URL');
  if (url.username || url.password)
    throw new Invalid(field, 'must not carry a user name or password');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host)
    ? [host]
    : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new Invalid(field, `${host} does not resolve`);
  for (const address of addresses) {
    const kind = classifyAddress(address);
    if (kind !== 'public' && !allowedByList(host, address, allow))
      throw new RefusedDestination(
        field,
        `${host} resolves to a ${kind} address (${address}); an admin must allow-list it first`,
      );
  }
  return url.toString();
}

/** The answer of a guarded request, read whole (bodies are capped). */
export interface OutboundAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const maxAnswerBytes = 64 * 1024;

/**
 * POSTs (or any method) to a user-given URL through a lookup that refuses internal addresses
 * unless allow-listed, with a timeout; redirects are not followed (a 3xx is an answer).
 */
export async function guardedRequest(
  raw: string,
  options: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs?: number;
    readonly allow: AllowList;
  },
): Promise<OutboundAnswer> {
  const answer = await guardedExchange(raw, { ...options, maxBytes: maxAnswerBytes, cut: true });
  return { status: answer.status, headers: answer.headers, body: answer.bytes.toString('utf8') };
}

/** The answer of a guarded download: its bytes, whole. */
export interface OutboundDownload {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly bytes: Buffer;
}

/**
 * GETs a file (a call recording) through the same guard as `guardedRequest`; an answer larger than
 * `maxBytes` is refused, not cut. Redirects are not followed (a 3xx is an answer).
 */
export function guardedDownload(
  raw: string,
  options: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly timeoutMs?: number;
    readonly allow: AllowList;
    readonly maxBytes: number;
  },
): Promise<OutboundDownload> {
  return guardedExchange(raw, { ...options, method: 'GET', cut: false });
}

function guardedExchange(
  raw: string,
  options: {
    readonly method?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly timeoutMs?: number;
    readonly allow: AllowList;
    readonly maxBytes: number;
    /** Keep the first `maxBytes` of a longer answer (true), or refuse it (false). */
    readonly cut: boolean;
  },
): Promise<OutboundDownload> {
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const guardedLookup: net.LookupFunction = (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { ...lookupOptions, all: true }, (error, found) => {
      if (error) return callback(error, '', 4);
      const list = found as unknown as dns.LookupAddress[];
      for (const entry of list) {
        const kind = classifyAddress(entry.address);
        if (kind !== 'public' && !allowedByList(host, entry.address, options.allow))
          return callback(
            new RefusedDestination(
              'url',
              `${host} resolves to a ${kind} address (${entry.address}); an admin must allow-list it first`,
            ),
            '',
            4,
          );
      }
      const first = list[0]!;
      if ((lookupOptions as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      callback(null, first.address, first.family);
    });
  };
  return new Promise((resolve, reject) => {
    if (net.isIP(host)) {
      const kind = classifyAddress(host);
      if (kind !== 'public' && !allowedByList(host, host, options.allow)) {
        reject(
          new RefusedDestination(
            'url',
            `${host} is a ${kind} address; an admin must allow-list it first`,
          ),
        );
        return;
      }
    }
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: options.method ?? 'POST',
        headers: options.headers,
        lookup: guardedLookup,
        timeout: options.timeoutMs ?? 10_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= options.maxBytes) chunks.push(chunk);
          else if (!options.cut)
            request.destroy(
              Object.assign(new Error(`the answer is larger than ${options.maxBytes} bytes`), {
                code: 'EFBIG',
              }),
            );
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            bytes: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(
        Object.assign(new Error(`no answer from ${host} within the timeout`), {
          code: 'ETIMEDOUT',
        }),
      ),
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
