import { describe, expect, it } from 'vitest';
import { abortable, Semaphore } from './semaphore';

describe('Semaphore (pdf.generate’s render slots, image.process’s sharp pipelines)', () => {
  it('grants `size` holders, queues the rest in order, and a release hands the slot on', async () => {
    const slots = new Semaphore(1);
    const signal = new AbortController().signal;
    const first = await slots.acquire(signal);
    const order: string[] = [];
    const second = slots.acquire(signal).then((release) => (order.push('second'), release));
    const third = slots.acquire(signal).then((release) => (order.push('third'), release));
    first();
    first(); // a second release of the same slot is ignored
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
  });

  it('a waiter whose signal aborts leaves the queue with the reason; the slot goes to the next', async () => {
    const slots = new Semaphore(1);
    const held = await slots.acquire(new AbortController().signal);
    const controller = new AbortController();
    const leaving = slots.acquire(controller.signal);
    const next = slots.acquire(new AbortController().signal);
    controller.abort(new Error('timed out'));
    await expect(leaving).rejects.toThrow('timed out');
    held();
    await expect(next).resolves.toBeTypeOf('function');
    await expect(slots.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('abortable: the promise, or the signal’s reason as soon as it aborts', async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(1), controller.signal)).resolves.toBe(1);
    const pending = abortable(new Promise(() => undefined), controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
  });
});
