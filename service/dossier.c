/*
 * dossier.c - names of statuses and channels, and the field-by-field
 * equality behind the "unchanged" outcome of an upsert (spec §3.3).
 */
#include "dossier.h"

#include <string.h>

static const char *const STATUS_NAMES[11] = {
    NULL, "registered", "received", "not_accepted", "processing",
    "supplement_requested", "payment_requested", "withdrawn", "stopped",
    "resolved", "returned",
};

static const char *const STATUS_VI[11] = {
    NULL, "Mới đăng ký", "Được tiếp nhận", "Không được tiếp nhận", "Đang xử lý",
    "Yêu cầu bổ sung giấy tờ", "Yêu cầu thực hiện nghĩa vụ tài chính",
    "Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã xử lý xong", "Đã trả kết quả",
};

static const char *const CHANNEL_NAMES[4] = { NULL, "direct", "online", "postal" };
static const char *const CHANNEL_VI[4] = { NULL, "Trực tiếp", "Trực tuyến", "Bưu chính" };

const char *status_name(int s) { return s >= 1 && s <= 10 ? STATUS_NAMES[s] : NULL; }
const char *status_label_vi(int s) { return s >= 1 && s <= 10 ? STATUS_VI[s] : NULL; }
const char *channel_name(int c) { return c >= 1 && c <= 3 ? CHANNEL_NAMES[c] : NULL; }
const char *channel_label_vi(int c) { return c >= 1 && c <= 3 ? CHANNEL_VI[c] : NULL; }

static int lookup(const char *const *names, int count, const char *s, size_t n)
{
    for (int i = 1; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return i;
    return 0;
}

int status_from_name(const char *s, size_t n) { return lookup(STATUS_NAMES, 11, s, n); }
int channel_from_name(const char *s, size_t n) { return lookup(CHANNEL_NAMES, 4, s, n); }

static bool str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool dossier_equal(const dossier_t *a, const dossier_t *b)
{
    return str_eq(a->code, b->code) && str_eq(a->agency_code, b->agency_code) &&
           str_eq(a->procedure_code, b->procedure_code) && str_eq(a->field_code, b->field_code) &&
           a->service_level == b->service_level && a->channel == b->channel &&
           a->status == b->status && a->received_at == b->received_at &&
           a->due_at == b->due_at && a->finished_at == b->finished_at &&
           a->returned_at == b->returned_at && a->extended_due_at == b->extended_due_at &&
           a->supplement_requested_at == b->supplement_requested_at &&
           a->updated_at == b->updated_at && a->apology == b->apology &&
           a->supplement_count == b->supplement_count && a->fee == b->fee &&
           a->paid_online == b->paid_online;
}
