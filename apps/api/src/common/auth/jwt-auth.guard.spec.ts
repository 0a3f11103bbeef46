import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '@app/contracts';
import { JwtAuthGuard } from './jwt-auth.guard';
import { Public } from './public.decorator';

class MixedController {
  @Public()
  open(): void {}

  closed(): void {}
}

@Public()
class PublicController {
  anything(): void {}
}

const contextFor = (controller: new () => object, handler: string): ExecutionContext =>
  ({
    getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
    getClass: () => controller,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ headers: {} }), getResponse: () => ({}) }),
  }) as unknown as ExecutionContext;

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('JwtAuthGuard', () => {
  const guard = new JwtAuthGuard(new Reflector());

  describe('handleRequest', () => {
    it('answers with the user the strategy found', () => {
      const user = { id: 'u1', username: 'alice', tokenId: 'j1', tokenExpiresAt: new Date() };
      expect(guard.handleRequest(null, user)).toBe(user);
    });

    it('refuses a request without a user as unauthorized', () => {
      const thrown = thrownBy(() => guard.handleRequest(null, false));
      expect(thrown).toBeInstanceOf(AppError);
      expect(thrown).toMatchObject({ code: 'unauthorized' });
    });

    it('rethrows an error while looking the user up as it is, not as a 401', () => {
      const failure = new Error('connection terminated unexpectedly');
      expect(thrownBy(() => guard.handleRequest(failure, false))).toBe(failure);
    });
  });

  describe('canActivate', () => {
    // The passport-backed check that AuthGuard('jwt') performs for routes that are not public.
    const passportCheck = Object.getPrototypeOf(JwtAuthGuard.prototype) as { canActivate: JwtAuthGuard['canActivate'] };
    let authenticate: jest.SpyInstance;
    beforeEach(() => {
      authenticate = jest.spyOn(passportCheck, 'canActivate').mockResolvedValue(true);
    });
    afterEach(() => authenticate.mockRestore());

    it('lets a handler marked @Public() through without asking passport', async () => {
      await expect(Promise.resolve(guard.canActivate(contextFor(MixedController, 'open')))).resolves.toBe(true);
      expect(authenticate).not.toHaveBeenCalled();
    });

    it('lets every handler of a controller marked @Public() through without asking passport', async () => {
      await expect(Promise.resolve(guard.canActivate(contextFor(PublicController, 'anything')))).resolves.toBe(true);
      expect(authenticate).not.toHaveBeenCalled();
    });

    it('asks passport for any other handler', async () => {
      const context = contextFor(MixedController, 'closed');
      await guard.canActivate(context);
      expect(authenticate).toHaveBeenCalledWith(context);
    });
  });
});
