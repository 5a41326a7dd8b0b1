import { ImmuneError } from '@immune/contracts';
import { buildProblem, problemFromError, problemType, validationError } from './problem';
import { flattenValidationErrors } from './validation-errors';

describe('problem details', () => {
  it('builds a problem with the status and title of its code', () => {
    expect(buildProblem('AGENT.NOT_FOUND', 'agent "a" is not registered', { instance: '/api/v1/agents/a' })).toEqual({
      type: problemType('AGENT.NOT_FOUND'),
      title: 'Agent not found',
      status: 404,
      detail: 'agent "a" is not registered',
      code: 'AGENT.NOT_FOUND',
      instance: '/api/v1/agents/a',
    });
  });

  it('maps an ImmuneError with its code, title, extras and field errors', () => {
    const e = new ImmuneError('AGENT.VERSION_MISMATCH', 'Precondition failed', 'at 7, not 3', { version: 7 });
    const { problem, unexpected } = problemFromError(e, '/x');
    expect(problem).toMatchObject({ status: 412, code: 'AGENT.VERSION_MISMATCH', title: 'Precondition failed', detail: 'at 7, not 3', version: 7 });
    expect(unexpected).toBe(false);
    const v = problemFromError(validationError([{ field: 'reason', messages: ['reason must be a string'] }]));
    expect(v.problem).toMatchObject({ status: 400, code: 'VALIDATION.FAILED', errors: [{ field: 'reason', messages: ['reason must be a string'] }] });
  });

  it('answers APPROVAL.NOT_PENDING as 409 with its title', () => {
    expect(buildProblem('APPROVAL.NOT_PENDING', 'nothing to approve')).toMatchObject({ status: 409, title: 'No approval pending', code: 'APPROVAL.NOT_PENDING' });
  });

  it('asks for a bearer key on 401', () => {
    const { headers, problem } = problemFromError(new ImmuneError('AUTH.UNAUTHORIZED', 'Unauthorized', 'no key'));
    expect(problem.status).toBe(401);
    expect(headers['WWW-Authenticate']).toMatch(/^Bearer/);
  });

  it('maps framework HTTP errors to stable codes', () => {
    const http = (status: number, message: string, cause?: unknown) => ({ getStatus: () => status, getResponse: () => ({}), message, cause });
    expect(problemFromError(http(404, 'Cannot GET /nope')).problem).toMatchObject({ status: 404, code: 'ROUTE.NOT_FOUND', detail: 'Cannot GET /nope.' });
    expect(problemFromError(http(400, 'Unexpected token', new SyntaxError('x'))).problem).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
    expect(problemFromError(http(413, 'request entity too large')).problem).toMatchObject({ status: 413, code: 'REQUEST.TOO_LARGE' });
    const raw = Object.assign(new Error('too big'), { statusCode: 413, status: 413, expose: true });
    expect(problemFromError(raw).problem.code).toBe('REQUEST.TOO_LARGE');
  });

  it('never leaks the message of an unknown error', () => {
    const { problem, unexpected } = problemFromError(new Error('password=hunter2 at db.internal'));
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(problem.detail).not.toContain('hunter2');
    expect(unexpected).toBe(true);
  });

  it('flattens class-validator errors, nested and top-level', () => {
    expect(
      flattenValidationErrors([
        { property: 'reason', constraints: { isString: 'reason must be a string', isNotEmpty: 'reason should not be empty' } },
        { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' } },
        { property: 'a', children: [{ property: 'b', constraints: { isInt: 'b must be an integer' } }] },
        { constraints: { unknownValue: 'an unknown value was passed to the validate function' } },
      ]),
    ).toEqual([
      { field: 'reason', messages: ['reason must be a string', 'reason should not be empty'] },
      { field: 'extra', messages: ['property extra should not exist'] },
      { field: 'a.b', messages: ['b must be an integer'] },
      { field: 'body', messages: ['the body must be a JSON object'] },
    ]);
  });
});
