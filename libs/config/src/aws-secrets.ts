/** Reads one Secrets Manager secret's string value. */
export type SecretFetcher = (secretId: string) => Promise<string>;

/** Secrets Manager's current value of a secret (credentials and region from the SDK's default chain). */
export const readSecretString: SecretFetcher = async (secretId) => {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!SecretString) throw new Error(`The secret ${secretId} has no string value`);
    return SecretString;
  } finally {
    client.destroy();
  }
};

/**
 * The environment with LAMBDA_SECRET filled in from Secrets Manager when only LAMBDA_SECRET_ARN is given (the
 * Lambda functions: the template never holds the secret's value). Called once per cold start.
 */
export async function withSecretsFromAws(
  env: Record<string, string | undefined> = process.env,
  fetchSecret: SecretFetcher = readSecretString,
): Promise<Record<string, string | undefined>> {
  const arn = env.LAMBDA_SECRET_ARN?.trim();
  if (!arn || env.LAMBDA_SECRET) return env;
  return { ...env, LAMBDA_SECRET: (await fetchSecret(arn)).trim() };
}
