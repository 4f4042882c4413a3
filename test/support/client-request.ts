import { request, type IncomingHttpHeaders } from 'node:http';

export interface ClientResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * An HTTP request sent from a given loopback address (any 127.x.y.z is this machine on Linux), so tests can play
 * several clients of a gateway that tells clients apart by source address. A fresh connection per request.
 */
export function requestFrom(
  localAddress: string,
  url: string,
  options: { readonly method?: string; readonly headers?: Readonly<Record<string, string>>; readonly body?: string } = {},
): Promise<ClientResponse> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', fail);
    req.end(options.body);
  });
}
