/* api_series.c - placeholder until the monitoring work (issue 3) lands here. */
#include "api.h"

void api_series(app_t *app, const http_req *req, http_resp *resp)
{
    (void)app;
    (void)req;
    resp_error(resp, 404, "not available yet");
}
