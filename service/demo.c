/*
 * demo.c - the demo data generator (see demo.h). Distributions follow what
 * provincial reports show: most dossiers finished early or on time, a few
 * percent late, online filing for level 3/4 procedures about half the time,
 * some waiting for the applicant, a handful withdrawn or refused, and the
 * statuses 1 and 3 that the metrics must ignore.
 *
 * Two scales: the small demo of `make run` (8 agencies, 8 procedures), and
 * a province (--province, for the benchmarks): 20 departments, 10 districts
 * and 170 communes, 400 procedures (15 per department, 60 district, 40
 * commune ones), dossiers split 20/25/55 between the three levels as
 * provincial reports show, and within a level a few procedures taking most
 * of the volume (weights 1/rank). Names and codes are synthesised
 * deterministically. --ordered emits the dossiers in order of reception.
 */
#include "demo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *code, *name;
} agency_def;

typedef struct {
    const char *code, *name, *field;
    int level, duration;   /* working days */
    long fee;              /* VND; 0 exempt */
    int agency_lo, agency_hi;  /* which agencies handle it */
} procedure_def;

static const agency_def AGENCIES[] = {
    { "000.00.01.H62", "Sở Tư pháp" },
    { "000.00.02.H62", "Sở Kế hoạch và Đầu tư" },
    { "000.00.03.H62", "Sở Xây dựng" },
    { "000.00.04.H62", "Sở Tài nguyên và Môi trường" },
    { "000.00.05.H62", "Sở Giao thông vận tải" },
    { "000.00.21.H62", "UBND huyện Đông Hải" },
    { "000.00.22.H62", "UBND huyện Tây Sơn" },
    { "000.21.30.H62", "UBND xã Hòa Bình" },
};

static const procedure_def PROCEDURES[] = {
    { "1.004227", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "LLTP", 4, 10, 200000, 0, 0 },
    { "1.001612", "Đăng ký thành lập hộ kinh doanh", "HKD", 4, 3, 100000, 5, 6 },
    { "2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "DKKD", 4, 3, 50000, 1, 1 },
    { "1.009794", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", 3, 15, 75000, 2, 2 },
    { "1.004873", "Đăng ký biến động quyền sử dụng đất", "DD", 3, 10, 50000, 3, 3 },
    { "1.001766", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "DB", 4, 5, 135000, 4, 4 },
    { "1.004193", "Đăng ký khai sinh", "HT", 4, 1, 0, 7, 7 },
    { "2.000908", "Chứng thực bản sao từ bản chính", "CT", 2, 1, 2000, 5, 7 },
};

#define NAGENCIES (int)(sizeof AGENCIES / sizeof AGENCIES[0])
#define NPROCS (int)(sizeof PROCEDURES / sizeof PROCEDURES[0])

/* The data set's agencies and procedures, and how often each procedure is
 * picked (cumulative weights). */
typedef struct {
    agency_def *agencies;
    procedure_def *procs;
    double *cum;         /* cum[i]: total weight of procs[0..i] */
    int nagencies, nprocs;
    char *names;         /* the synthesised names and codes */
} catalog_t;

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int pct(uint64_t *s) { return (int)(next(s) % 100); }
static long range(uint64_t *s, long lo, long hi) { return lo + (long)(next(s) % (uint64_t)(hi - lo + 1)); }

static day_t add_weekdays(day_t d, int n)
{
    while (n > 0) {
        d++;
        if (day_iso_weekday(d) < 6)
            n--;
    }
    return d;
}

static ts_t at_local(day_t d, int minutes)
{
    return ts_day_start(d) + (ts_t)minutes * 60 * TS_US_PER_SEC;
}

static void put_ts(FILE *out, const char *key, ts_t t)
{
    char buf[TS_FMT_MAX];
    if (t == TS_NULL)
        return;
    ts_format(t, buf, sizeof buf);
    fprintf(out, ",\"%s\":\"%s\"", key, buf);
}

/* One dossier: the procedure decides agency, level, duration and fee; the
 * dice decide channel, outcome and timing. */
static const procedure_def *pick_procedure(const catalog_t *c, uint64_t *s)
{
    if (!c->cum)
        return &c->procs[range(s, 0, c->nprocs - 1)];
    double x = (double)(next(s) >> 11) / 9007199254740992.0 * c->cum[c->nprocs - 1];
    int lo = 0, hi = c->nprocs - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (c->cum[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &c->procs[lo];
}

/* One dossier, received on day `day` (or a random day of [first, first +
 * span) when day < 0). */
static void one(FILE *out, const catalog_t *c, long i, uint64_t *s, day_t first, int span,
                day_t day, ts_t now)
{
    const procedure_def *p = pick_procedure(c, s);
    const agency_def *a = &c->agencies[range(s, p->agency_lo, p->agency_hi)];
    day_t rd = day;
    if (day < 0) {
        rd = first + (day_t)range(s, 0, span - 1);
        while (day_iso_weekday(rd) >= 6 && pct(s) < 90)
            rd++;
    }
    ts_t received = at_local(rd, (int)range(s, 7 * 60 + 30, 16 * 60 + 30));
    if (received > now)
        received = now - (ts_t)range(s, 1, 3600) * TS_US_PER_SEC;
    rd = ts_day(received);
    int online = p->level >= 3 ? pct(s) < 55 : pct(s) < 5;
    int channel = online ? 2 : pct(s) < 4 ? 3 : 1;
    ts_t due = at_local(add_weekdays(rd, p->duration), 17 * 60);
    int supp = pct(s) < 8 ? 1 : pct(s) < 2 ? 2 : 0;

    /* The finish day if it finishes: early, on the due date, or late. */
    int roll = pct(s);
    day_t dd = ts_day(due);
    day_t fd = roll < 64 ? rd + (day_t)range(s, 0, dd - rd > 0 ? dd - rd - 1 : 0)
             : roll < 96 ? dd : add_weekdays(dd, (int)range(s, 1, 12));
    if (fd < rd)
        fd = rd;
    ts_t finished = at_local(fd, (int)range(s, 8 * 60, 16 * 60 + 50));
    if (finished < received)
        finished = received + 3600 * TS_US_PER_SEC;

    int status;
    int kind = pct(s);
    if (kind < 1) status = 1;
    else if (kind < 2) status = 3;
    else if (finished <= now && pct(s) < 97)
        status = kind < 4 ? 7 : kind < 6 ? 8 : pct(s) < 60 ? 10 : 9;
    else {
        int w = pct(s);
        status = w < 10 ? 5 : w < 14 ? 6 : w < 40 ? 2 : 4;
    }
    int finished_st = status >= 7;
    long fee = p->fee > 0 && pct(s) < 95 ? p->fee : p->fee == 0 ? 0 : -1;
    int paid_online = fee > 0 && online && pct(s) < 60;
    int late = finished_st && (fd > dd || supp > 1);
    int apology = late && pct(s) < 70;
    ts_t supp_at = status == 5 || status == 6
        ? received + (ts_t)range(s, 1, 72) * 3600 * TS_US_PER_SEC : TS_NULL;
    if (supp_at != TS_NULL && supp_at > now)
        supp_at = now;
    ts_t updated = finished_st ? finished : supp_at != TS_NULL ? supp_at : received;

    int y, m, d;
    day_to_ymd(rd, &y, &m, &d);
    fprintf(out, "{\"code\":\"%s-%02d%02d%02d-%06ld\",\"agency_code\":\"%s\",\"agency_name\":\"%s\","
                 "\"procedure_code\":\"%s\",\"procedure_name\":\"%s\",\"field_code\":\"%s\","
                 "\"service_level\":%d,\"channel\":\"%s\",\"status\":%d",
            a->code, y % 100, m, d, i, a->code, a->name, p->code,
            p->name, p->field, p->level, channel == 2 ? "online" : channel == 3 ? "postal" : "direct",
            status);
    if (status != 1 && status != 3)
        put_ts(out, "received_at", received);
    put_ts(out, "due_at", due);
    if (finished_st) {
        put_ts(out, "finished_at", finished);
        if (status == 10)
            put_ts(out, "returned_at", finished + 86400 * TS_US_PER_SEC);
    }
    if (apology) {
        fputs(",\"apology\":true", out);
        put_ts(out, "extended_due_at", at_local(add_weekdays(fd, 2), 17 * 60));
    }
    if (supp)
        fprintf(out, ",\"supplement_count\":%d", supp);
    put_ts(out, "supplement_requested_at", supp_at);
    if (fee >= 0)
        fprintf(out, ",\"fee\":%ld", fee);
    if (paid_online)
        fputs(",\"paid_online\":true", out);
    put_ts(out, "updated_at", updated);
    fputs("}\n", out);
}

/* The province: agencies 0-19 departments, 20-29 districts, 30-199
 * communes (17 per district); procedures 0-299 of the departments (15
 * each), 300-359 of the districts, 360-399 of the communes. */
#define P_DEPTS 20
#define P_DISTRICTS 10
#define P_COMMUNES 170
#define P_AGENCIES (P_DEPTS + P_DISTRICTS + P_COMMUNES)
#define P_PROCS 400

static int province(catalog_t *c, uint64_t *s)
{
    static const char *const DEPT[] = { "Tư pháp", "Kế hoạch và Đầu tư", "Xây dựng",
        "Tài nguyên và Môi trường", "Giao thông vận tải", "Công Thương", "Y tế",
        "Giáo dục và Đào tạo", "Lao động - Thương binh và Xã hội", "Nông nghiệp và PTNT",
        "Văn hóa, Thể thao và Du lịch", "Nội vụ", "Tài chính", "Khoa học và Công nghệ",
        "Thông tin và Truyền thông", "Ngoại vụ", "Dân tộc", "Thanh tra", "Ban Quản lý KKT",
        "Công an tỉnh" };
    c->nagencies = P_AGENCIES;
    c->nprocs = P_PROCS;
    c->agencies = calloc(P_AGENCIES, sizeof *c->agencies);
    c->procs = calloc(P_PROCS, sizeof *c->procs);
    c->cum = calloc(P_PROCS, sizeof *c->cum);
    c->names = calloc((size_t)P_AGENCIES * 2 + (size_t)P_PROCS * 3, 96);   /* code+name; field+code+name */
    if (!c->agencies || !c->procs || !c->cum || !c->names)
        return -1;
    char *n = c->names;
#define NEXT_NAME(...) (snprintf(n, 96, __VA_ARGS__), n += 96, n - 96)
    for (int i = 0; i < P_AGENCIES; i++) {
        agency_def *a = &c->agencies[i];
        if (i < P_DEPTS) {
            a->code = NEXT_NAME("000.00.%02d.H62", i + 1);
            a->name = NEXT_NAME("Sở %s", DEPT[i]);
        } else if (i < P_DEPTS + P_DISTRICTS) {
            a->code = NEXT_NAME("000.00.%02d.H62", i + 1);
            a->name = NEXT_NAME("UBND huyện số %d", i - P_DEPTS + 1);
        } else {
            int k = i - P_DEPTS - P_DISTRICTS;
            a->code = NEXT_NAME("000.%02d.%02d.H62", P_DEPTS + 1 + k / 17, 30 + k % 17);
            a->name = NEXT_NAME("UBND xã số %d, huyện số %d", k % 17 + 1, k / 17 + 1);
        }
    }
    static const int DURATIONS[] = { 1, 3, 5, 7, 10, 15, 20 };
    static const long FEES[] = { 0, 0, 0, 10000, 50000, 100000, 200000 };
    for (int i = 0; i < P_PROCS; i++) {
        procedure_def *p = &c->procs[i];
        int level, rank;
        if (i < 300) {
            p->agency_lo = p->agency_hi = i / 15;
            p->field = NEXT_NAME("F%02d", i / 15 + 1);
            rank = i % 15;
            level = 20;
        } else if (i < 360) {
            p->agency_lo = P_DEPTS;
            p->agency_hi = P_DEPTS + P_DISTRICTS - 1;
            p->field = NEXT_NAME("H%02d", (i - 300) / 6 + 1);
            rank = i - 300;
            level = 25;
        } else {
            p->agency_lo = P_DEPTS + P_DISTRICTS;
            p->agency_hi = P_AGENCIES - 1;
            p->field = NEXT_NAME("X%02d", (i - 360) / 5 + 1);
            rank = i - 360;
            level = 55;
        }
        p->code = NEXT_NAME("%d.%06d", 1 + (int)(next(s) % 2), 1000 + i * 7);
        p->name = NEXT_NAME("Thủ tục hành chính số %d", i + 1);
        p->level = 2 + (int)(next(s) % 3);
        p->duration = DURATIONS[next(s) % 7];
        p->fee = FEES[next(s) % 7];
        /* within its level a procedure weighs 1/(rank+1), scaled to the
         * level's share: 20 / 25 / 55 percent of the dossiers */
        double total = i < 300 ? 20 * 3.318 : i < 360 ? 4.680 : 4.279;
        double w = (double)level / total / (rank + 1);
        c->cum[i] = (i ? c->cum[i - 1] : 0) + w;
    }
#undef NEXT_NAME
    return 0;
}

int demo_write(FILE *out, const demo_opts *o, ts_t now)
{
    uint64_t s = o->seed * 0x2545F4914F6CDD1DULL + 1;
    catalog_t c = { (agency_def *)AGENCIES, (procedure_def *)PROCEDURES, NULL, NAGENCIES,
                    NPROCS, NULL };
    catalog_t big = { 0 };
    int rc = 0;
    if (o->province) {
        uint64_t cs = 0x9e3779b97f4a7c15ULL;   /* the catalog is the same for every seed */
        if (province(&big, &cs) != 0) {
            rc = -1;
            goto done;
        }
        c = big;
    }
    day_t first, last;
    if (o->year > 0) {
        first = day_from_ymd(o->year, 1, 1);
        last = day_from_ymd(o->year, 12, 31);
    } else {
        last = ts_day(now);
        first = last - 364;
    }
    int span = (int)(last - first + 1);
    if (!o->ordered) {
        for (long i = 0; i < o->count; i++)
            one(out, &c, i, &s, first, span, -1, now);
    } else {
        /* Day by day: a weekday takes ten times a weekend day's share. */
        int weight = 0;
        for (day_t d = first; d <= last; d++)
            weight += day_iso_weekday(d) < 6 ? 10 : 1;
        long done_n = 0, acc = 0;
        for (day_t d = first; d <= last; d++) {
            acc += day_iso_weekday(d) < 6 ? 10 : 1;
            long until = (long)((double)o->count * acc / weight);
            for (; done_n < until; done_n++)
                one(out, &c, done_n, &s, first, span, d, now);
        }
    }
    rc = fflush(out) == 0 && !ferror(out) ? 0 : -1;
done:
    free(big.agencies);
    free(big.procs);
    free(big.cum);
    free(big.names);
    return rc;
}
