// Test support: an HTTP server on loopback that records every request body it is sent, standing in
// for PagerDuty's Events API and a Slack incoming webhook.
import { createServer } from 'node:http'
import { listenOnLoopback } from '@eventcore/service/testing'

/** One request the sink received. */
export interface Delivery {
  readonly path: string
  readonly body: unknown
}

/** A running sink. */
export interface WebhookSink {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Everything received so far, in order. */
  deliveries(): readonly Delivery[]
  close(): Promise<void>
}

/** Starts a sink answering 200 (PagerDuty answers 202; Alertmanager takes any 2xx) to every POST. */
export async function startWebhookSink(): Promise<WebhookSink> {
  const received: Delivery[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      received.push({ path: request.url ?? '', body: text === '' ? undefined : JSON.parse(text) })
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}')
    })
  })
  return { ...(await listenOnLoopback(server)), deliveries: () => [...received] }
}
