import { withSecretsFromAws } from './aws-secrets';

describe('withSecretsFromAws (the Lambda functions read LAMBDA_SECRET from Secrets Manager)', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clouddrive/lambda-AbCdEf';

  it('fills LAMBDA_SECRET from the secret named by LAMBDA_SECRET_ARN, trimmed, leaving the rest as it is', async () => {
    const fetchSecret = jest.fn().mockResolvedValue('  s'.padEnd(40, 'x') + '\n');
    const env = await withSecretsFromAws({ LAMBDA_SECRET_ARN: ARN, API_URL: 'https://api.example.com' }, fetchSecret);
    expect(fetchSecret).toHaveBeenCalledWith(ARN);
    expect(env).toEqual({
      LAMBDA_SECRET_ARN: ARN,
      API_URL: 'https://api.example.com',
      LAMBDA_SECRET: 's'.padEnd(38, 'x'),
    });
  });

  it('asks nothing when LAMBDA_SECRET is given, or when there is no ARN', async () => {
    const fetchSecret = jest.fn();
    const given = { LAMBDA_SECRET_ARN: ARN, LAMBDA_SECRET: 'y'.repeat(40) };
    expect(await withSecretsFromAws(given, fetchSecret)).toBe(given);
    const none = { API_URL: 'https://api.example.com' };
    expect(await withSecretsFromAws(none, fetchSecret)).toBe(none);
    expect(fetchSecret).not.toHaveBeenCalled();
  });

  it('lets a failure to read the secret through (the cold start fails, and the event is retried)', async () => {
    const failure = new Error('AccessDeniedException');
    await expect(withSecretsFromAws({ LAMBDA_SECRET_ARN: ARN }, jest.fn().mockRejectedValue(failure))).rejects.toBe(
      failure,
    );
  });
});
