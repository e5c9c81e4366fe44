/* namesrv_cfg: the NameServer's settings (NamesrvConfig, RouteInfoManager), with RocketMQ's defaults. */
#ifndef MODELS_NAMESRV_CFG_H
#define MODELS_NAMESRV_CFG_H

#include "sim/time.h"

struct ns_cfg {
    sim_time scan_initial;      /* scanNotActiveBroker first run: 5000 ms (NamesrvController) */
    sim_time scan_interval;     /* 10000 ms in 4.x */
    sim_time expire;            /* BROKER_CHANNEL_EXPIRED_TIME 120000 ms (RouteInfoManager) */
    sim_time idle;              /* NettyServerConfig.serverChannelMaxIdleTimeSeconds 120 s; 0: no idle close */
};

#endif
