/* fuzz_scenario: the whole scenario loader (JSON parse, every section, distributions, faults, building the
 * nodes) on arbitrary bytes, through scenario_load_text, then scenario_free. A rejected input must come
 * back as one line naming the file; anything else (a crash, a leak, undefined behaviour, a hang) is a bug.
 *
 * MQSIM_FUZZ_RUN_MS=N (environment, default 0) also runs a loaded scenario of at most 64 nodes for N
 * simulated milliseconds, at most 200000 events, to exercise the models on odd configurations; `make fuzz`
 * leaves it off and fuzzes the loaders alone. */
#include <stdint.h>
#include <stdlib.h>

#include "sim/lab/scenario.h"
#include "tests/fuzz/fuzz_common.h"

static sim_time run_for;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *e = getenv("MQSIM_FUZZ_RUN_MS");
    if (e && atoi(e) > 0)
        run_for = (sim_time)atoi(e) * SIM_MS;
    return 0;
}

static void run_briefly(struct scenario *sc)
{
    if (sim_node_count(sc->sim) > 64)
        return;
    sim_time end = sc->duration < run_for ? sc->duration : run_for;
    while (sim_now(sc->sim) < end && !sim_stopped(sc->sim) && sim_events(sc->sim) < 200000) {
        sim_time to = sim_now(sc->sim) + SIM_MS;
        sim_run(sc->sim, to < end ? to : end);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run_opts o = {.file = "fuzz.json"};
    struct scenario sc;
    struct conf c;
    if (scenario_load_text(&sc, &o, (const char *)data, size, &c) < 0)
        fuzz_check_error(&c, "fuzz.json: ", "scenario_load_text");
    else if (run_for > 0)
        run_briefly(&sc);
    scenario_free(&sc);
    return 0;
}
