/* protocol: the names of RemotingSysResponseCode and ResponseCode values, for metrics.json and the trace. */
#include "models/remoting/protocol.h"

const char *rmq_status_name(int status)
{
    switch (status) {
    case RMQ_SUCCESS: return "SUCCESS";
    case RMQ_SYSTEM_ERROR: return "SYSTEM_ERROR";
    case RMQ_SYSTEM_BUSY: return "SYSTEM_BUSY";
    case RMQ_FLUSH_DISK_TIMEOUT: return "FLUSH_DISK_TIMEOUT";
    case RMQ_SLAVE_NOT_AVAILABLE: return "SLAVE_NOT_AVAILABLE";
    case RMQ_FLUSH_SLAVE_TIMEOUT: return "FLUSH_SLAVE_TIMEOUT";
    case RMQ_SERVICE_NOT_AVAILABLE: return "SERVICE_NOT_AVAILABLE";
    case RMQ_NO_PERMISSION: return "NO_PERMISSION";
    case RMQ_TOPIC_NOT_EXIST: return "TOPIC_NOT_EXIST";
    case RMQ_PULL_NOT_FOUND: return "PULL_NOT_FOUND";
    case RMQ_PULL_RETRY_IMMEDIATELY: return "PULL_RETRY_IMMEDIATELY";
    case RMQ_PULL_OFFSET_MOVED: return "PULL_OFFSET_MOVED";
    case RMQ_QUERY_NOT_FOUND: return "QUERY_NOT_FOUND";
    case RMQ_SUBSCRIPTION_NOT_EXIST: return "SUBSCRIPTION_NOT_EXIST";
    case RMQ_TIMEOUT: return "TIMEOUT";
    case RMQ_CONN_FAILED: return "CONN_FAILED";
    default: return "UNKNOWN";
    }
}
