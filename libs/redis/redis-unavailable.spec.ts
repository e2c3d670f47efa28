import { redisUnavailable } from './redis-unavailable';

/** How ioredis reports a server's error reply: a ReplyError whose message is the reply. */
function reply(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' });
}

describe('redisUnavailable', () => {
  it.each([
    "OOM command not allowed when used memory > 'maxmemory'. script: 5ab4, on @user_script:589.",
    'LOADING Redis is loading the dataset in memory',
    "READONLY You can't write against a read only replica.",
    'MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no',
    'CLUSTERDOWN The cluster is down',
    'TRYAGAIN Multiple keys request during rehashing of slot',
    'BUSY Redis is busy running a script.',
  ])('takes the reply %s for Redis being unable to take commands now', (message) => {
    expect(redisUnavailable(reply(message))).toBe(true);
  });

  it('takes a closed connection or a client that gave up resending for Redis out of reach', () => {
    expect(redisUnavailable(new Error('Connection is closed.'))).toBe(true);
    expect(
      redisUnavailable(
        Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }),
      ),
    ).toBe(true);
    expect(
      redisUnavailable(Object.assign(new Error('Failed to refresh slots cache.'), { name: 'ClusterAllFailedError' })),
    ).toBe(true);
  });

  it('leaves errors of the command or of the code alone', () => {
    expect(redisUnavailable(reply("ERR wrong number of arguments for 'set' command"))).toBe(false);
    expect(redisUnavailable(reply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(redisUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(redisUnavailable('OOM')).toBe(false);
    expect(redisUnavailable(undefined)).toBe(false);
  });
});
