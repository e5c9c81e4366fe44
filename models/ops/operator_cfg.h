/* operator_cfg: the human who promotes a slave by hand before 4.5: delays as distributions. */
#ifndef MODELS_OPERATOR_CFG_H
#define MODELS_OPERATOR_CFG_H

#include "models/remoting/protocol.h"
#include "sim/dist.h"
#include "sim/time.h"

struct operator_cfg {
    int enabled;
    sim_time probe_interval;    /* monitoring probes the master: 10000 ms */
    sim_time probe_timeout;     /* 3000 ms */
    struct sim_dist alert_delay;     /* failures seen -> page sent: uniform 30-120 s */
    struct sim_dist reaction;        /* page -> operator acts: lognormal median 300 s, sigma 0.5 */
    struct sim_dist procedure;       /* stop slave, edit broker.conf, start: uniform 60-180 s */
    enum rmq_role new_role;     /* the promoted slave's brokerRole: ASYNC_MASTER */
    int recheck;                /* before stopping the slave, a look at monitoring: a master whose last probe
                                   succeeded after the page is left alone (the page resolved): true */
    int rejoin_old_master;      /* after a promotion, bring the old master back as a slave: false */
    struct sim_dist rejoin;     /* promotion -> old master started as SLAVE with the promoted one's brokerId */
};

#endif
