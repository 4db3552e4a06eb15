/** Where the Temporal server is: TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE. */
export function temporalAddressFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
  };
}
