import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'clouddrive:isPublic';

/** Opts a route out of the global bearer-token guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

export const ACCEPTS_TICKET = 'acceptsTicket';

/**
 * The route takes a `?ticket=` instead of a bearer token (an event stream opened by the browser's EventSource,
 * which cannot send headers): with one, the guard lets the request through and the handler must take the ticket.
 */
export const AcceptsTicket = (): MethodDecorator => SetMetadata(ACCEPTS_TICKET, true);
