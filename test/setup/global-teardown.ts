export default async function globalTeardown(): Promise<void> {
  await Promise.all((globalThis.embeddedTestServers ?? []).map((server) => server.stop()));
}
