/* LmaxBench.java - the LMAX Disruptor contender of `make bench-ring`: the
 * Disruptor's own perf-test shapes with 8-byte (long) events, run on Debian's
 * libdisruptor-java, one shape per JVM, JIT warm-up passes before the timed one.
 *
 *   java -cp build/bench/lmax:/usr/share/java/disruptor.jar LmaxBench \
 *        SHAPE STRATEGY [COUNT [WARMUP_PASSES [PAUSE_NS]]]
 *
 * COUNT defaults to the LMAX perf tests' own: 100M events, 20M for 3p1c, 3M
 * round trips for pingpong. WARMUP_PASSES (default 3) untimed passes come
 * before the timed one. PAUSE_NS (default 1000) is the pause between pings.
 * SHAPE: 1p1c 1p3c pipeline 3p1c (throughput) or pingpong (round-trip latency).
 * STRATEGY: yield busyspin blocking liteblocking.
 * Prints one line, e.g. "lmax 1p1c yield ops_per_sec=123 events=100000000 ms=812". */

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.LifecycleAware;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;

public final class LmaxBench
{
    /* Ring sizes of the LMAX perf tests: 64K for 1P->1C and 3P->1C, 8K for
     * the multicast and pipeline shapes, 1K for each ping-pong ring. */
    static final int RING_1P1C = 1 << 16;
    static final int RING_3P1C = 1 << 16;
    static final int RING_1P3C = 1 << 13;
    static final int RING_PIPELINE = 1 << 13;
    static final int RING_PINGPONG = 1 << 10;
    /* A warm-up pass never runs more events than this, so SIZE=large does
     * not triple the JVM's run time; 20M events is far past C2's thresholds. */
    static final long WARMUP_CAP = 20_000_000L;

    /** The 8-byte event. */
    static final class LongEvent
    {
        long value;
    }

    static WaitStrategy strategy(String name)
    {
        switch (name) {
        case "yield": return new YieldingWaitStrategy();
        case "busyspin": return new BusySpinWaitStrategy();
        case "blocking": return new BlockingWaitStrategy();
        case "liteblocking": return new LiteBlockingWaitStrategy();
        default: throw new IllegalArgumentException("unknown strategy '" + name
                + "', expected yield, busyspin, blocking or liteblocking");
        }
    }

    /* ---- handlers ----------------------------------------------------------- */

    /** Folds every value into acc with one of the three multicast operations
     *  (LMAX's addition, subtraction, and) and opens the latch at the last sequence. */
    static final class FoldHandler implements EventHandler<LongEvent>
    {
        static final int ADD = 0, SUB = 1, AND = 2;
        final int op;
        final long lastSequence;
        final CountDownLatch done;
        long acc;

        FoldHandler(int op, long lastSequence, CountDownLatch done)
        {
            this.op = op;
            this.lastSequence = lastSequence;
            this.done = done;
            this.acc = op == AND ? -1L : 0L;
        }

        @Override
        public void onEvent(LongEvent e, long sequence, boolean endOfBatch)
        {
            switch (op) {
            case ADD: acc += e.value; break;
            case SUB: acc -= e.value; break;
            default: acc &= e.value; break;
            }
            if (sequence == lastSequence)
                done.countDown();
        }
    }

    /** A pipeline stage that rewrites the event in place, as LMAX's
     *  FunctionEventHandler steps one and two do: stage one adds 1, stage two
     *  doubles. Each reads what the stage before it wrote. */
    static final class StepHandler implements EventHandler<LongEvent>
    {
        final int step;

        StepHandler(int step)
        {
            this.step = step;
        }

        @Override
        public void onEvent(LongEvent e, long sequence, boolean endOfBatch)
        {
            if (step == 1)
                e.value = e.value + 1;
            else
                e.value = e.value * 2;
        }
    }

    /* ---- throughput shapes ------------------------------------------------ */

    static Thread start(BatchEventProcessor<LongEvent> p, String name)
    {
        Thread t = new Thread(p, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Timing starts once every processor runs, as the C contenders wait for
     *  their consumer threads: a pass measures the ring, not thread start-up. */
    static void awaitRunning(List<BatchEventProcessor<LongEvent>> ps)
    {
        for (BatchEventProcessor<LongEvent> p : ps)
            while (!p.isRunning())
                Thread.yield();
    }

    static void stop(List<BatchEventProcessor<LongEvent>> ps, List<Thread> ts) throws InterruptedException
    {
        for (BatchEventProcessor<LongEvent> p : ps)
            p.halt();
        for (Thread t : ts)
            t.join();
    }

    static void check(String what, long got, long want)
    {
        if (got != want)
            throw new IllegalStateException(what + ": got " + got + ", expected " + want);
    }

    /** One pass of a throughput shape over n events; returns nanoseconds from
     *  the first claim until every consumer has seen the last event. */
    static long throughputPass(String shape, String strat, long n) throws Exception
    {
        List<BatchEventProcessor<LongEvent>> procs = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long t0, t1;

        switch (shape) {
        case "1p1c": {
            RingBuffer<LongEvent> rb = RingBuffer.createSingleProducer(LongEvent::new, RING_1P1C, strategy(strat));
            CountDownLatch done = new CountDownLatch(1);
            FoldHandler h = new FoldHandler(FoldHandler.ADD, n - 1, done);
            BatchEventProcessor<LongEvent> p = new BatchEventProcessor<>(rb, rb.newBarrier(), h);
            rb.addGatingSequences(p.getSequence());
            procs.add(p);
            threads.add(start(p, "lmax-1c"));
            awaitRunning(procs);
            t0 = System.nanoTime();
            for (long i = 0; i < n; i++) {
                long seq = rb.next();
                rb.get(seq).value = i;
                rb.publish(seq);
            }
            done.await();
            t1 = System.nanoTime();
            stop(procs, threads);
            check("1p1c sum", h.acc, n * (n - 1) / 2);
            break;
        }
        case "1p3c": {
            RingBuffer<LongEvent> rb = RingBuffer.createSingleProducer(LongEvent::new, RING_1P3C, strategy(strat));
            CountDownLatch done = new CountDownLatch(3);
            FoldHandler[] hs = new FoldHandler[3];
            Sequence[] gates = new Sequence[3];
            for (int k = 0; k < 3; k++) {
                hs[k] = new FoldHandler(k, n - 1, done);
                BatchEventProcessor<LongEvent> p = new BatchEventProcessor<>(rb, rb.newBarrier(), hs[k]);
                gates[k] = p.getSequence();
                procs.add(p);
            }
            rb.addGatingSequences(gates);
            for (int k = 0; k < 3; k++)
                threads.add(start(procs.get(k), "lmax-c" + k));
            awaitRunning(procs);
            t0 = System.nanoTime();
            for (long i = 0; i < n; i++) {
                long seq = rb.next();
                rb.get(seq).value = i;
                rb.publish(seq);
            }
            done.await();
            t1 = System.nanoTime();
            stop(procs, threads);
            long and = -1L;
            for (long i = 0; i < n && and != 0; i++)
                and &= i;
            check("1p3c add", hs[0].acc, n * (n - 1) / 2);
            check("1p3c sub", hs[1].acc, -(n * (n - 1) / 2));
            check("1p3c and", hs[2].acc, and);
            break;
        }
        case "pipeline": {
            RingBuffer<LongEvent> rb = RingBuffer.createSingleProducer(LongEvent::new, RING_PIPELINE, strategy(strat));
            CountDownLatch done = new CountDownLatch(1);
            BatchEventProcessor<LongEvent> p1 = new BatchEventProcessor<>(rb, rb.newBarrier(), new StepHandler(1));
            BatchEventProcessor<LongEvent> p2 = new BatchEventProcessor<>(rb, rb.newBarrier(p1.getSequence()), new StepHandler(2));
            FoldHandler h3 = new FoldHandler(FoldHandler.ADD, n - 1, done);
            BatchEventProcessor<LongEvent> p3 = new BatchEventProcessor<>(rb, rb.newBarrier(p2.getSequence()), h3);
            rb.addGatingSequences(p3.getSequence());
            procs.add(p1);
            procs.add(p2);
            procs.add(p3);
            for (int k = 0; k < 3; k++)
                threads.add(start(procs.get(k), "lmax-s" + (k + 1)));
            awaitRunning(procs);
            t0 = System.nanoTime();
            for (long i = 0; i < n; i++) {
                long seq = rb.next();
                rb.get(seq).value = i;
                rb.publish(seq);
            }
            done.await();
            t1 = System.nanoTime();
            stop(procs, threads);
            check("pipeline sum", h3.acc, n * (n + 1)); /* sum of 2 * (i + 1) */
            break;
        }
        case "3p1c": {
            final long per = n / 3;
            final RingBuffer<LongEvent> rb = RingBuffer.createMultiProducer(LongEvent::new, RING_3P1C, strategy(strat));
            CountDownLatch done = new CountDownLatch(1);
            FoldHandler h = new FoldHandler(FoldHandler.ADD, 3 * per - 1, done);
            BatchEventProcessor<LongEvent> p = new BatchEventProcessor<>(rb, rb.newBarrier(), h);
            rb.addGatingSequences(p.getSequence());
            procs.add(p);
            threads.add(start(p, "lmax-1c"));
            final CyclicBarrier go = new CyclicBarrier(4);
            Thread[] pubs = new Thread[3];
            for (int k = 0; k < 3; k++) {
                pubs[k] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (Exception ex) {
                        throw new RuntimeException(ex);
                    }
                    for (long i = 0; i < per; i++) {
                        long seq = rb.next();
                        rb.get(seq).value = i;
                        rb.publish(seq);
                    }
                }, "lmax-p" + k);
                pubs[k].setDaemon(true);
                pubs[k].start();
            }
            awaitRunning(procs);
            go.await();
            t0 = System.nanoTime();
            done.await();
            t1 = System.nanoTime();
            for (Thread t : pubs)
                t.join();
            stop(procs, threads);
            check("3p1c sum", h.acc, 3 * (per * (per - 1) / 2));
            n = 3 * per;
            break;
        }
        default:
            throw new IllegalArgumentException("unknown shape '" + shape
                    + "', expected 1p1c, 1p3c, pipeline, 3p1c or pingpong");
        }
        return t1 - t0;
    }

    /* ---- ping-pong latency ------------------------------------------------ */

    /** Runs on the pong ring: records the round trip, waits pauseNs (yielding,
     *  as LMAX's Pinger does), sends the next ping. The first `warm` round
     *  trips are not recorded. */
    static final class Pinger implements EventHandler<LongEvent>, LifecycleAware
    {
        final RingBuffer<LongEvent> ping;
        final long warm, total, pauseNs;
        final long[] samples;
        final CountDownLatch done = new CountDownLatch(1);
        long counter, t0;

        Pinger(RingBuffer<LongEvent> ping, long warm, long measured, long pauseNs)
        {
            this.ping = ping;
            this.warm = warm;
            this.total = warm + measured;
            this.pauseNs = pauseNs;
            this.samples = new long[(int)measured];
        }

        @Override
        public void onEvent(LongEvent e, long sequence, boolean endOfBatch)
        {
            long t1 = System.nanoTime();
            long k = e.value;
            if (k >= warm)
                samples[(int)(k - warm)] = t1 - t0;
            if (k + 1 < total) {
                while (System.nanoTime() - t1 < pauseNs)
                    Thread.yield();
                send();
            } else {
                done.countDown();
            }
        }

        void send()
        {
            t0 = System.nanoTime();
            long seq = ping.next();
            ping.get(seq).value = counter++;
            ping.publish(seq);
        }

        @Override
        public void onStart()
        {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ex) {
                throw new RuntimeException(ex);
            }
            send();
        }

        @Override
        public void onShutdown()
        {
        }
    }

    /** Runs on the ping ring: echoes each value into the pong ring. */
    static final class Ponger implements EventHandler<LongEvent>
    {
        final RingBuffer<LongEvent> pong;

        Ponger(RingBuffer<LongEvent> pong)
        {
            this.pong = pong;
        }

        @Override
        public void onEvent(LongEvent e, long sequence, boolean endOfBatch)
        {
            long seq = pong.next();
            pong.get(seq).value = e.value;
            pong.publish(seq);
        }
    }

    static long[] pingPong(String strat, long warm, long measured, long pauseNs) throws Exception
    {
        RingBuffer<LongEvent> ping = RingBuffer.createSingleProducer(LongEvent::new, RING_PINGPONG, strategy(strat));
        RingBuffer<LongEvent> pong = RingBuffer.createSingleProducer(LongEvent::new, RING_PINGPONG, strategy(strat));
        Pinger pinger = new Pinger(ping, warm, measured, pauseNs);
        BatchEventProcessor<LongEvent> pingProc = new BatchEventProcessor<>(pong, pong.newBarrier(), pinger);
        BatchEventProcessor<LongEvent> pongProc = new BatchEventProcessor<>(ping, ping.newBarrier(), new Ponger(pong));
        ping.addGatingSequences(pongProc.getSequence());
        pong.addGatingSequences(pingProc.getSequence());
        List<BatchEventProcessor<LongEvent>> procs = List.of(pongProc, pingProc);
        List<Thread> threads = new ArrayList<>();
        threads.add(start(pongProc, "lmax-ponger"));
        threads.add(start(pingProc, "lmax-pinger"));
        pinger.done.await();
        stop(procs, threads);
        return pinger.samples;
    }

    /* ---- main ------------------------------------------------------------- */

    static long parseCount(String s)
    {
        long v = Long.parseLong(s.replace("_", ""));
        if (v < 3)
            throw new IllegalArgumentException("count must be at least 3, got " + s);
        return v;
    }

    public static void main(String[] args) throws Exception
    {
        if (args.length < 2) {
            System.err.println("usage: LmaxBench SHAPE STRATEGY [COUNT [WARMUP_PASSES [PAUSE_NS]]]\n"
                    + "  SHAPE 1p1c 1p3c pipeline 3p1c pingpong; STRATEGY yield busyspin blocking liteblocking");
            System.exit(1);
        }
        String shape = args[0], strat = args[1];
        long n = args.length > 2 ? parseCount(args[2])
                : shape.equals("3p1c") ? 20_000_000L : shape.equals("pingpong") ? 3_000_000L : 100_000_000L;
        int warmups = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        long pauseNs = args.length > 4 ? Long.parseLong(args[4]) : 1000L;
        strategy(strat); /* reject a bad name before any work */

        if (shape.equals("pingpong")) {
            /* Untimed passes, then unrecorded round trips at the start of the
             * timed pass: the same warm-up the C contenders get. */
            long warm = Math.max(n / 10, 10_000L);
            for (int w = 0; w < warmups; w++)
                pingPong(strat, warm, warm, pauseNs);
            long[] s = pingPong(strat, warm, n, pauseNs);
            Arrays.sort(s);
            double sum = 0;
            for (long v : s)
                sum += v;
            System.out.printf("lmax pingpong %s mean_ns=%.0f p50_ns=%d p99_ns=%d p999_ns=%d iterations=%d pause_ns=%d%n",
                    strat, sum / s.length, pct(s, 0.50), pct(s, 0.99), pct(s, 0.999), s.length, pauseNs);
            return;
        }

        long warmN = Math.min(n, WARMUP_CAP);
        for (int w = 0; w < warmups; w++)
            throughputPass(shape, strat, warmN);
        System.gc();
        long ns = throughputPass(shape, strat, n);
        if (shape.equals("3p1c"))
            n = 3 * (n / 3);
        System.out.printf("lmax %s %s ops_per_sec=%d events=%d ms=%.1f%n",
                shape, strat, (long)(n * 1e9 / ns), n, ns / 1e6);
    }

    /** The value at quantile q of sorted samples (nearest rank). */
    static long pct(long[] sorted, double q)
    {
        int i = (int)Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
