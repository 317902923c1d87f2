import { defineApp } from 'basalt';
import { get, t } from 'basalt/http';
import { createTestClient } from 'basalt/testing';
import { describe, expect, it } from 'vitest';

// Who the app thinks the client is, and over what scheme, through 0, 1 or 2 proxies.
const app = defineApp({
  name: 'trust-proxy',
  routes: [
    get('/whoami', { response: t.Object({ ip: t.String(), protocol: t.String() }) }, ({ request }) => ({
      ip: request.ip,
      protocol: request.protocol,
    })),
  ],
});

async function whoami(trustProxy: string | undefined, forwardedFor: string | undefined) {
  const client = await createTestClient(app, { env: trustProxy ? { TRUST_PROXY: trustProxy } : {} });
  try {
    const answer = await client.request({
      method: 'GET',
      url: '/whoami',
      remoteAddress: '10.0.0.2', // the proxy nearest the app
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https' } : {},
    });
    expect(answer.status).toBe(200);
    return answer.body as { ip: string; protocol: string };
  } finally {
    await client.close();
  }
}

describe('TRUST_PROXY', () => {
  it('off: X-Forwarded-* are ignored, the client is the socket peer', async () => {
    expect(await whoami(undefined, '203.0.113.9')).toEqual({ ip: '10.0.0.2', protocol: 'http' });
  });

  it('true: the address the one proxy added, never one the client wrote before it', async () => {
    // nginx's $proxy_add_x_forwarded_for appends the peer it saw to what the client sent.
    expect(await whoami('true', '198.51.100.66, 203.0.113.9')).toEqual({
      ip: '203.0.113.9',
      protocol: 'https',
    });
    expect((await whoami('1', '198.51.100.66, 203.0.113.9')).ip).toBe('203.0.113.9');
    expect((await whoami('true', '203.0.113.9')).ip).toBe('203.0.113.9');
  });

  it('a count: that many proxies in a row (a CDN in front of nginx)', async () => {
    expect((await whoami('2', '198.51.100.66, 203.0.113.9, 10.0.0.1')).ip).toBe('203.0.113.9');
    // Fewer entries than hops: the left-most there is.
    expect((await whoami('3', '203.0.113.9')).ip).toBe('203.0.113.9');
  });

  it('refuses a value that is neither a boolean nor a count, naming the setting', async () => {
    for (const bad of ['maybe', '0.5', '-1', '40'])
      await expect(createTestClient(app, { env: { TRUST_PROXY: bad } })).rejects.toThrow(/TRUST_PROXY/);
  });
});
