/* controller_cfg: the controllers' settings (ControllerConfig) with RocketMQ 5.x's defaults; the README
 * lists each with its source. */
#ifndef MODELS_CONTROLLER_CFG_H
#define MODELS_CONTROLLER_CFG_H

#include "models/dledger/raft_cfg.h"
#include "sim/time.h"

struct controller_cfg {
    int count;                  /* controllers: 0 (none) in a scenario without "controllers"; 1 is the active
                                   controller alone; more form a DLedger group (controllerDLegerPeers) */
    sim_time heartbeat_timeout; /* controllerHeartBeatTimeoutMills 10000 ms (BrokerHeartbeatManager
                                   DEFAULT_BROKER_CHANNEL_EXPIRED_TIME) */
    sim_time scan_initial;      /* DefaultBrokerHeartbeatManager: first scan after 2000 ms */
    sim_time scan_interval;     /* scanNotActiveBrokerInterval 5000 ms */
    sim_time scan_inactive_master; /* scanInactiveMasterInterval 5000 ms: re-elect where no master is */
    int elect_unclean;          /* enableElectUncleanMaster false */
    int notify_role_changed;    /* notifyBrokerRoleChanged true */
    int elect_retries;          /* electMasterMaxRetryCount 3: the attempts of an election the controller
                                   triggers (ControllerManager.triggerElectMaster) */
    sim_time request_timeout;   /* the controller's notify requests: 3000 ms */
    int in_namesrv;             /* NamesrvConfig.enableControllerInNamesrv false: controller k runs inside
                                   NameServer k's process (NamesrvController starts a ControllerManager) */
    /* count > 1 */
    sim_time sync_metadata;     /* the brokers' BrokerConfig.syncControllerMetadataPeriod 10000 ms: how often
                                   a broker asks the controllers who leads (ReplicasManager
                                   .updateControllerMetadata) */
    struct raft_cfg raft;       /* the group's DLedgerConfig (DLedgerController builds one with DLedger's
                                   defaults) */
};

#endif
