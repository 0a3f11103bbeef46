import { readCliEnvironment } from './cli-environment';

describe('readCliEnvironment', () => {
  it('reads the overrides, and places the config and state directories by XDG', () => {
    expect(
      readCliEnvironment({
        HOME: '/home/a',
        CLOUDDRIVE_URL: ' http://api.test ',
        CLOUDDRIVE_TOKEN: '',
        LAMBDA_SECRET: 's',
        NO_COLOR: '1',
      }),
    ).toEqual({
      url: 'http://api.test',
      token: undefined,
      lambdaSecret: 's',
      configDir: '/home/a/.config/clouddrive',
      stateDir: '/home/a/.local/state/clouddrive',
      noColor: true,
    });
    const xdg = readCliEnvironment({ HOME: '/home/a', XDG_CONFIG_HOME: '/c', XDG_STATE_HOME: '/s', NO_COLOR: '' });
    expect([xdg.configDir, xdg.stateDir, xdg.noColor]).toEqual(['/c/clouddrive', '/s/clouddrive', false]);
  });
});
