# rgp: one non-recursive Makefile. Outputs and generated sources go under build/.
# Targets: all demo test tsan bench install clean. V=1 shows full command lines.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
B        := build
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Wno-unused-parameter
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -MMD -MP \
              -Icompiler -Iruntime -Istdlib -I$(B)/gen -DRGP_VERSION='"$(VERSION)"'
# the libtcc linked in, for rgp --version: its Debian package's version
LIBTCC_VERSION := $(shell dpkg-query -W -f='$${Version}' libtcc-dev 2>/dev/null || echo unknown)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The runtime text embedded in rgp, in the order it is concatenated.
RUNTIME_HDRS := stdlib/rgp_linked.h stdlib/rgp_time.h stdlib/rgp_fixed.h stdlib/rgp_std.h runtime/heap.h runtime/order.h runtime/table.h runtime/omap.h runtime/atomics.h runtime/counters.h runtime/wait.h runtime/sequencer.h \
                runtime/reader.h runtime/csv_scan.h runtime/json.h $(B)/gen/rgp_pow10.h $(B)/gen/rgp_crc32c.h runtime/journal.h runtime/framing.h runtime/net_addr.h \
                runtime/writer.h runtime/net_sink.h runtime/program.h runtime/lookup.h runtime/csv_header.h runtime/journal_endpoints.h runtime/journal_cut.h runtime/checkpoint.h runtime/env.h runtime/net.h runtime/metrics.h runtime/progress.h \
                runtime/syslog_fields.h runtime/syslog.h runtime/follow.h

COMPILER_SRCS := compiler/arena.c compiler/diag.c compiler/types.c compiler/ast.c \
                 compiler/parse.c compiler/sema.c compiler/plan.c compiler/emit.c \
                 compiler/emit_expr.c compiler/emit_threads.c compiler/emit_ops.c \
                 compiler/emit_aggregates.c compiler/emit_limit.c compiler/emit_sort.c compiler/emit_tables.c compiler/emit_map.c compiler/graph.c compiler/builtins.c \
                 compiler/jit.c compiler/jit_runtime.c compiler/aot.c compiler/objcache.c compiler/background_cc.c compiler/run.c compiler/driver.c compiler/fmt.c \
                 compiler/journal_tool.c compiler/emit_journal.c compiler/regex.c compiler/emit_regex.c compiler/emit_env.c compiler/emit_net.c compiler/emit_nats.c compiler/sema_nats.c compiler/emit_csv.c compiler/emit_csv_scan.c compiler/emit_syslog.c compiler/sema_syslog.c compiler/emit_follow.c compiler/emit_join.c compiler/links.c compiler/version.c compiler/pipeline_test.c compiler/whole_file.c compiler/emit_metrics.c compiler/lsp_json.c compiler/lsp_query.c compiler/lsp.c compiler/emit_checkpoint.c compiler/plan_checkpoint.c compiler/status_page.c
GEN_SRCS      := $(B)/gen/lexer.c $(B)/gen/grammar.c $(B)/gen/runtime_text.c $(B)/gen/regex_text.c $(B)/gen/nats_text.c
LIB_OBJS      := $(COMPILER_SRCS:%.c=$(B)/%.o) $(GEN_SRCS:$(B)/gen/%.c=$(B)/gen/%.o)
RGP_OBJS      := $(LIB_OBJS) $(B)/compiler/main.o

TEST_SRCS := tests/check_main.c tests/check_lexer.c tests/check_parser.c tests/check_sema.c \
             tests/check_emit.c tests/check_sequencer.c tests/check_csv.c tests/check_csv_scan.c tests/check_json.c \
             tests/check_writer.c tests/check_std.c tests/check_time.c tests/check_sketch.c tests/check_table.c tests/check_omap.c tests/check_order.c tests/check_tables.c \
             tests/check_program.c tests/check_journal.c tests/check_checkpoint.c tests/check_framing.c tests/check_fixed.c tests/check_plan.c tests/check_net.c tests/check_csv_header.c tests/check_metrics.c tests/check_status_page.c tests/check_lookup.c tests/check_nats.c tests/check_syslog.c tests/check_follow.c tests/check_lsp_json.c
TEST_OBJS := $(TEST_SRCS:%.c=$(B)/%.o)

all: $(B)/rgp

$(B)/.deps-ok: scripts/deps.sh
	$(Q)sh scripts/deps.sh build
	$(Q)mkdir -p $(B) && touch $@

# one lemon run makes both (a grouped target: with -j, not two runs that overwrite each other)
$(B)/gen/grammar.c $(B)/gen/grammar.h &: dsl/grammar.y $(B)/.deps-ok
	@mkdir -p $(B)/gen
	$(Q)lemon -q -d$(B)/gen -T/usr/share/lemon/lempar.c dsl/grammar.y
	@touch $(B)/gen/grammar.c $(B)/gen/grammar.h   # lemon keeps an unchanged .h old: that remade both every time

$(B)/gen/lexer.c: dsl/lexer.re $(B)/gen/grammar.h
	@mkdir -p $(B)/gen
	$(Q)re2c -W --no-generation-date -o $@ dsl/lexer.re

# The runtime, concatenated with its local #include lines removed, as one C string.
$(B)/gen/runtime_text.c: $(RUNTIME_HDRS) Makefile
	@mkdir -p $(B)/gen
	$(Q){ echo '/* generated from $(RUNTIME_HDRS) by the Makefile; do not edit */'; \
	  echo 'const char rgp_runtime_text[] ='; \
	  for f in $(RUNTIME_HDRS); do echo "/* ---- $$f ---- */"; grep -v '^#include "' $$f; done | \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/'; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@

# The regex helpers, apart: only a program that uses a regex includes them (and links libpcre2-8).
$(B)/gen/regex_text.c: stdlib/rgp_regex.h Makefile
	@mkdir -p $(B)/gen
	$(Q){ echo '/* generated from stdlib/rgp_regex.h by the Makefile; do not edit */'; \
	  echo 'const char rgp_regex_text[] ='; \
	  { echo "/* ---- stdlib/rgp_regex.h ---- */"; grep -v '^#include "' stdlib/rgp_regex.h; } | \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/'; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@

# The NATS connectors, apart: only a program that uses NATS includes them (and links libnats).
$(B)/gen/nats_text.c: stdlib/rgp_nats.h Makefile
	@mkdir -p $(B)/gen
	$(Q){ echo '/* generated from stdlib/rgp_nats.h by the Makefile; do not edit */'; \
	  echo 'const char rgp_nats_text[] ='; \
	  { echo "/* ---- stdlib/rgp_nats.h ---- */"; grep -v '^#include "' stdlib/rgp_nats.h; } | \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/'; \
	  echo ';'; } > $@.tmp && mv $@.tmp $@

# The float printer's table of powers of ten (runtime/writer.h), computed exactly.
$(B)/gen/rgp_pow10.h: scripts/gen_pow10.c
	@mkdir -p $(B)/gen
	$(Q)$(CC) -std=c11 -O2 -o $(B)/gen/gen_pow10 scripts/gen_pow10.c
	$(Q)$(B)/gen/gen_pow10 > $@.tmp && mv $@.tmp $@

# The CRC-32C tables of the journal (runtime/journal.h), slicing by 8.
$(B)/gen/rgp_crc32c.h: scripts/gen_crc32c.c
	@mkdir -p $(B)/gen
	$(Q)$(CC) -std=c11 -O2 -o $(B)/gen/gen_crc32c scripts/gen_crc32c.c
	$(Q)$(B)/gen/gen_crc32c > $@.tmp && mv $@.tmp $@

$(B)/gen/%.o: $(B)/gen/%.c
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -Wno-unused-function -Wno-unused-variable -Idsl -c -o $@ $<

$(B)/compiler/version.o: ALL_CFLAGS += -DRGP_LIBTCC_VERSION='"$(LIBTCC_VERSION)"'

$(B)/%.o: %.c $(B)/gen/grammar.h $(B)/gen/rgp_pow10.h $(B)/gen/rgp_crc32c.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/rgp: $(RGP_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) -o $@ $^ -ltcc -lpcre2-8 -ldl -lpthread -lm

$(B)/check_all: $(TEST_OBJS) $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) -o $@ $^ -ltcc -lpcre2-8 -ldl -lpthread $(CHECK_LIBS)

# The runtime's stress tier: every ring shape with every wait strategy, order and
# sums checked at every consumer. `make tsan` runs it and the sequencer suite under
# ThreadSanitizer, with the journal suite for its sync thread (gcc cannot
# instrument atomic_thread_fence: -Wno-tsan).
$(B)/stress_disruptor: tests/stress_disruptor.c $(RUNTIME_HDRS) $(B)/.deps-ok
	@echo "  LD      $@"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iruntime -Istdlib -o $@ $< -lpthread

# The journal writer that tests/journal_kill.sh kills with -9.
$(B)/journal_writer: tests/journal_writer.c runtime/journal.h $(B)/gen/rgp_crc32c.h
	@echo "  LD      $@"
	$(Q)$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -Iruntime -I$(B)/gen -o $@ $<

TSAN := -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -Wno-tsan -Iruntime -Istdlib
$(B)/tsan/stress: tests/stress_disruptor.c $(RUNTIME_HDRS) $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TSAN) -o $@ $< -lpthread
$(B)/tsan/check_runtime: tests/check_tsan_main.c tests/check_sequencer.c tests/check_journal.c tests/check_lookup.c $(RUNTIME_HDRS) $(B)/gen/rgp_crc32c.h $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(TSAN) -I$(B)/gen -o $@ tests/check_tsan_main.c tests/check_sequencer.c tests/check_journal.c tests/check_lookup.c -lpthread $(CHECK_LIBS)

# Fuzz targets: the front end (tests/fuzz/fuzz_frontend.c) and the readers as
# generated programs run them (fuzz_csv.c, fuzz_jsonl.c, which include the
# program rgp emits for tests/fuzz/readers.rgp). `make test` replays each
# corpus with gcc; `make fuzz` runs libFuzzer (clang, with ASan and UBSan) on
# each for FUZZ_SECONDS, keeping what it finds in $(B)/fuzz/corpus* (copy the
# interesting inputs into tests/fuzz/corpus*).
READER_FUZZERS := csv jsonl
$(B)/fuzz_replay: tests/fuzz/replay.c tests/fuzz/fuzz_frontend.c $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_frontend.c $(LIB_OBJS) -ltcc -lpcre2-8 -ldl -lpthread -lm

$(B)/fuzz/readers.c: tests/fuzz/readers.rgp $(B)/rgp
	@mkdir -p $(dir $@)
	$(Q)$(B)/rgp emit --standalone tests/fuzz/readers.rgp > $@.tmp && mv $@.tmp $@

FUZZ_READER_CFLAGS := -std=c11 -D_GNU_SOURCE -g -Wno-unused-function -I$(B)/fuzz
# the replay stops at the first fault a sanitizer sees, as libFuzzer does
FUZZ_REPLAY_SAN := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all
$(addprefix $(B)/fuzz_replay_,$(READER_FUZZERS)): $(B)/fuzz_replay_%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c \
        tests/fuzz/fuzz_readers.h $(B)/fuzz/readers.c
	@echo "  LD      $@"
	$(Q)$(CC) $(FUZZ_READER_CFLAGS) $(FUZZ_REPLAY_SAN) -O1 $(WARN) -Wno-maybe-uninitialized -o $@ tests/fuzz/replay.c tests/fuzz/fuzz_$*.c -lpthread -lm

# each of the three targets: ten minutes in all
FUZZ_SECONDS ?= 200
FUZZ_SRCS := $(COMPILER_SRCS) $(GEN_SRCS) tests/fuzz/fuzz_frontend.c
FUZZ_CLANG := clang -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_CLANG_READERS := $(FUZZ_CLANG) -fno-sanitize-recover=all   # undefined behaviour is a finding, saved like a crash
fuzz: $(GEN_SRCS) $(B)/fuzz/readers.c
	$(Q)sh scripts/deps.sh fuzz
	@mkdir -p $(B)/fuzz/corpus $(addprefix $(B)/fuzz/corpus_,$(READER_FUZZERS))
	$(Q)$(FUZZ_CLANG) -std=c11 -D_GNU_SOURCE -Icompiler -Iruntime -Istdlib -I$(B)/gen \
	    -DRGP_VERSION='"$(VERSION)"' -Wno-unused-function -o $(B)/fuzz/fuzz_frontend $(FUZZ_SRCS) -ltcc -lpcre2-8 -ldl -lpthread -lm
	$(Q)for t in $(READER_FUZZERS); do \
	    $(FUZZ_CLANG_READERS) $(FUZZ_READER_CFLAGS) -o $(B)/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c -lpthread -lm || exit 1; done
	$(Q)cp tests/fuzz/corpus/* $(B)/fuzz/corpus/
	$(Q)for t in $(READER_FUZZERS); do cp tests/fuzz/corpus_$$t/* $(B)/fuzz/corpus_$$t/; done
	$(Q)cd $(B)/fuzz && ./fuzz_frontend -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=5 corpus
	$(Q)cd $(B)/fuzz && for t in $(READER_FUZZERS); do \
	    ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=5 corpus_$$t || exit 1; done

tsan: $(B)/tsan/stress $(B)/tsan/check_runtime $(B)/rgp
	$(Q)CK_FORK=no $(B)/tsan/check_runtime
	$(Q)$(B)/tsan/stress --quick
	$(Q)sh tests/checkpoint_tsan.sh $(B)/rgp

# ---- benchmarks: print numbers, never fail the build ----------------------
# `make bench` runs them all and prints one summary ($(B)/bench/summary.md,
# .csv and .png); each also runs alone. SIZE=large for bigger inputs, ROUNDS=N.
BENCHES    := sensors logs windows
BENCH_ARGS  = $(if $(SIZE),SIZE=$(SIZE)) $(if $(ROUNDS),ROUNDS=$(ROUNDS)) $(if $(ROWS),ROWS=$(ROWS))
# make bench keeps to about two minutes on 2 CPUs: the ring shapes at SIZE=quick
RING_SIZE   = $(if $(filter large,$(SIZE)),large,quick)

# The tools users would pick instead, on the same generated data, byte-identical
# output checked; bench/NAME/spec.sh says what runs, tables and a chart in $(B)/bench/.
$(addprefix bench-,$(BENCHES)): bench-%: $(B)/rgp
	-$(Q)sh scripts/deps.sh bench
	-$(Q)CC='$(CC)' sh bench/run_bench.sh $* $(BENCH_ARGS)

# rgp run start-up to the first record through, rgp build and cc -O2, per example.
bench-latency: $(B)/rgp
	-$(Q)sh scripts/deps.sh bench
	-$(Q)CC='$(CC)' sh bench/run_latency.sh $(BENCH_ARGS)

# LMAX Disruptor perf-test shapes on rgp's runtime vs the LMAX Disruptor (Java,
# bench/lmax/) vs two C floors, interleaved; tables in $(B)/bench/ring.md.
# SIZE=large for the LMAX counts (100M events).
bench-ring:
	-$(Q)sh scripts/deps.sh bench
	-$(Q)SIZE='$(SIZE)' ROUNDS='$(ROUNDS)' CC='$(CC)' sh bench/run_ring.sh $(B)/bench

# The journal's write rate against dd conv=fdatasync, and its replay rate.
bench-journal: $(B)/gen/rgp_crc32c.h $(B)/rgp
	-$(Q)CC='$(CC)' sh bench/journal/run.sh $(B) $(or $(ROWS),5000000) $(or $(ROUNDS),3)
	-$(Q)sh bench/journal/replay.sh $(B) 2000000 $(or $(ROUNDS),3)

# A tcp newline source counting records against socat moving the same bytes to /dev/null.
bench-tcp: $(B)/rgp
	-$(Q)sh scripts/deps.sh bench
	-$(Q)sh bench/tcp/run.sh $(or $(LINES),5000000) $(or $(ROUNDS),5)

# A checkpoint of 1M keys: how long the state's thread stops, how long the file takes.
bench-checkpoint: $(B)/rgp
	-$(Q)sh bench/checkpoint/run.sh $(B) $(or $(KEYS),1000000)

# What a key costs: every stateful operator over 1k keys and over 150k, the
# same 300k records (times, callgrind instructions, bytes per key); a few
# minutes, so not part of `make bench`. Table in $(B)/bench/keys.md.
bench-keys: $(B)/rgp
	-$(Q)sh scripts/deps.sh bench
	-$(Q)CC='$(CC)' sh bench/keys/run_keys.sh $(if $(ROUNDS),ROUNDS=$(ROUNDS))

# A file-table join, 10M events against a 1M-row table, rgp build and DuckDB.
bench-join: $(B)/rgp
	-$(Q)sh scripts/deps.sh bench
	-$(Q)CC='$(CC)' sh bench/join/run.sh $(or $(ORDERS),10000000) $(or $(USERS),1000000) $(or $(ROUNDS),3)

# An order-book replay, 5M adds, modifies and cancels, rgp build: events per second.
bench-orderbook: $(B)/rgp
	-$(Q)CC='$(CC)' sh bench/orderbook/run.sh $(or $(EVENTS),5000000) $(or $(ROUNDS),3)

bench: $(B)/rgp
	-$(Q)sh scripts/deps.sh bench
	-$(Q)for b in $(BENCHES); do CC='$(CC)' sh bench/run_bench.sh $$b $(BENCH_ARGS); done
	-$(Q)CC='$(CC)' sh bench/run_latency.sh $(BENCH_ARGS)
	-$(Q)SIZE=$(RING_SIZE) ROUNDS='$(ROUNDS)' CC='$(CC)' sh bench/run_ring.sh $(B)/bench
	-$(Q)sh bench/summary.sh $(if $(SIZE),SIZE=$(SIZE))

# ---- user-facing targets -------------------------------------------------
demo: $(B)/rgp
	$(Q)sh examples/make_data.sh examples/data
	$(B)/rgp run examples/sensors.rgp

# Unit suites (Check), golden end-to-end cases through JIT and AOT, the examples
# in docs/language.md, the command line as a user meets it, the examples against
# an independent replay, and rgp fmt; after scripts/deps.sh test (python3, groff,
# man), rgp lsp, the editor files, rgp(1), the bash completion and make install.
test: $(B)/rgp $(B)/check_all $(B)/stress_disruptor $(B)/journal_writer $(B)/fuzz_replay $(addprefix $(B)/fuzz_replay_,$(READER_FUZZERS))
	$(Q)$(B)/check_all
	$(Q)$(B)/stress_disruptor
	$(Q)$(B)/fuzz_replay tests/fuzz/corpus
	$(Q)for t in $(READER_FUZZERS); do $(B)/fuzz_replay_$$t tests/fuzz/corpus_$$t || exit 1; done
	$(Q)sh tests/golden/run.sh $(B)/rgp
	$(Q)sh tests/docs.sh $(B)/rgp
	$(Q)sh tests/cli.sh $(B)/rgp
	$(Q)sh tests/rgp_test.sh $(B)/rgp
	$(Q)sh tests/sinks.sh $(B)/rgp
	$(Q)sh tests/scale.sh $(B)/rgp
	$(Q)sh tests/examples.sh $(B)/rgp
	$(Q)sh tests/fmt.sh $(B)/rgp
	$(Q)sh tests/journal_tools.sh $(B)/rgp $(B)/journal_writer
	$(Q)sh tests/journal_pipeline.sh $(B)/rgp
	$(Q)sh tests/journal_kill.sh $(B)/rgp $(B)/journal_writer
	$(Q)sh tests/checkpoint.sh $(B)/rgp
	$(Q)sh tests/checkpoint_merge.sh $(B)/rgp
	$(Q)sh tests/durable_example.sh $(B)/rgp
	$(Q)sh tests/join_reload.sh $(B)/rgp
	$(Q)sh tests/merge_order.sh $(B)/rgp
	$(Q)sh scripts/deps.sh test && sh tests/net.sh $(B)/rgp
	$(Q)sh tests/lsp.sh $(B)/rgp
	$(Q)sh tests/editors.sh
	$(Q)MAKE='$(MAKE)' sh tests/install.sh $(B)/rgp
	$(Q)sh tests/metrics.sh $(B)/rgp
	$(Q)sh tests/status_page.sh $(B)/rgp
	$(Q)sh tests/progress.sh $(B)/rgp
	$(Q)sh tests/source_lag.sh $(B)/rgp
	$(Q)sh tests/syslog.sh $(B)/rgp
	$(Q)sh tests/follow.sh $(B)/rgp
	$(Q)$(MAKE) -s $(B)/nats_tool && sh tests/nats.sh $(B)/rgp $(B)/nats_tool
	$(Q)sh tests/nats_partition.sh $(B)/rgp $(B)/nats_tool
	$(Q)sh tests/nats_cluster.sh $(B)/rgp $(B)/nats_tool

# The other end of tests/nats.sh (libnats-dev, installed by scripts/deps.sh test).
$(B)/nats_tool: tests/nats_tool.c
	@mkdir -p $(B)
	$(Q)$(CC) -std=c11 -O2 -Wall -o $@ tests/nats_tool.c -lnats

# The long soaks: thousands of kill -9 of a journal writer, hundreds of a checkpointed pipeline.
soak: $(B)/rgp $(B)/journal_writer
	$(Q)sh tests/journal_kill.sh $(B)/rgp $(B)/journal_writer $(or $(KILLS),2000)
	$(Q)sh tests/checkpoint.sh $(B)/rgp $(or $(CKPT_KILLS),200)

# the binary, the man page rgp(1) and the bash completion; DESTDIR for staged installs
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
install: $(B)/rgp
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(B)/rgp $(DESTDIR)$(PREFIX)/bin/rgp
	install -m 644 docs/rgp.1 $(DESTDIR)$(MANDIR)/man1/rgp.1
	install -m 644 editors/bash-completion/rgp $(DESTDIR)$(BASHCOMPDIR)/rgp

clean:
	rm -rf $(B)

.PHONY: all demo test soak tsan fuzz bench bench-journal bench-checkpoint bench-tcp bench-ring bench-latency bench-keys bench-join bench-orderbook $(addprefix bench-,$(BENCHES)) install clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
