/* api_reference.c - placeholder until the monitoring work (issue 3) lands here. */
#include "api.h"

#define PLACEHOLDER(fn)                                                  \
    void fn(app_t *app, const http_req *req, http_resp *resp)            \
    {                                                                    \
        (void)app;                                                       \
        (void)req;                                                       \
        resp_error(resp, 404, "not available yet");                      \
    }
PLACEHOLDER(api_procedures_get)
PLACEHOLDER(api_procedures_put)
PLACEHOLDER(api_calendar_get)
PLACEHOLDER(api_calendar_put)
