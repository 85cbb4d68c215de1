/*
 * lunar.c - the Vietnamese lunisolar calendar (see lunar.h, spec §6).
 *
 * Why computed and not tabulated: the issue asks for Tết and the Hùng Kings'
 * day to be computed by the program for every year of the working-day
 * calendar (1900..2200), not typed in per year. This is the well-known
 * algorithm of Hồ Ngọc Đức ("amlich"), written from the astronomy it rests
 * on:
 *  - the instant of the k-th new moon after 1900-01-01 comes from Meeus'
 *    1900-epoch series (Astronomical Formulae for Calculators: the mean
 *    lunation plus the main periodic terms in the Sun's and Moon's anomalies
 *    and the Moon's argument of latitude, and a small ΔT correction), good
 *    to a few minutes;
 *  - the Sun's apparent longitude from the low-precision solar series
 *    (Meeus, Astronomical Algorithms ch. 25), good to about 0.01°;
 *  - a lunar month runs from the local day (UTC+7 for Vietnam) of one new
 *    moon to the day before the next; the 11th month is the one holding the
 *    winter solstice (the Sun at 270°);
 *  - when there are 13 months from one 11th month to the next, the first of
 *    them (after the 11th) during which the Sun enters no new 30° sector (no
 *    major solar term, trung khí) is the leap month and repeats the number of
 *    the month before it.
 * The only inputs are the date and the time zone, so the Vietnamese and the
 * Chinese calendars come out of the same code (tz 7 vs 8) and differ exactly
 * where a new moon or a solar term falls between 23:00 and 24:00 UTC+7.
 *
 * Days are Julian day numbers (JDN) inside; day_t (days since 1970-01-01) is
 * JDN - 2440588. Lunar months are identified by their new moon number k
 * (k = 0 is the new moon of 1900-01-01), so counting months is exact integer
 * arithmetic and only the new moon days and the sun's sector use doubles.
 */
#include "lunar.h"

#include <math.h>
#include <stdint.h>

#define JDN_1970 2440588            /* JDN of 1970-01-01 */
#define SYNODIC 29.530588853        /* mean lunation, days */
#define NEW_MOON_0 2415021.076998695 /* JD of new moon k = 0 (1900-01-01 13:51 UT) */
#define PI_ 3.14159265358979323846
#define DEG (PI_ / 180.0)

/* The instant (Julian Day, UT) of new moon number k (Meeus' series in the
 * abridged form of the amlich algorithm). */
static double new_moon_jd(int64_t k)
{
    double kk = (double)k;
    double t = kk / 1236.85; /* Julian centuries since 1900-01-01 */
    double t2 = t * t, t3 = t2 * t;
    double jd1 = 2415020.75933 + 29.53058868 * kk + 0.0001178 * t2 - 0.000000155 * t3;
    jd1 += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * DEG);
    double m = 359.2242 + 29.10535608 * kk - 0.0000333 * t2 - 0.00000347 * t3;   /* Sun's anomaly */
    double mpr = 306.0253 + 385.81691806 * kk + 0.0107306 * t2 + 0.00001236 * t3; /* Moon's */
    double f = 21.2964 + 390.67050646 * kk - 0.0016528 * t2 - 0.00000239 * t3; /* latitude arg */
    double c1 = (0.1734 - 0.000393 * t) * sin(m * DEG) + 0.0021 * sin(2 * DEG * m);
    c1 = c1 - 0.4068 * sin(mpr * DEG) + 0.0161 * sin(DEG * 2 * mpr);
    c1 = c1 - 0.0004 * sin(DEG * 3 * mpr);
    c1 = c1 + 0.0104 * sin(DEG * 2 * f) - 0.0051 * sin(DEG * (m + mpr));
    c1 = c1 - 0.0074 * sin(DEG * (m - mpr)) + 0.0004 * sin(DEG * (2 * f + m));
    c1 = c1 - 0.0004 * sin(DEG * (2 * f - m)) - 0.0006 * sin(DEG * (2 * f + mpr));
    c1 = c1 + 0.0010 * sin(DEG * (2 * f - mpr)) + 0.0005 * sin(DEG * (2 * mpr + m));
    double deltat; /* ΔT = TT - UT, days */
    if (t < -11)
        deltat = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3;
    else
        deltat = -0.000278 + 0.000265 * t + 0.000262 * t2;
    return jd1 + c1 - deltat;
}

/* The JDN of the local day (UTC+tz) on which new moon k falls. */
static int64_t new_moon_day(int64_t k, int tz)
{
    return (int64_t)floor(new_moon_jd(k) + 0.5 + tz / 24.0);
}

/* The Sun's apparent longitude in radians, [0, 2π), at Julian Day jd (UT). */
static double sun_longitude(double jd)
{
    double t = (jd - 2451545.0) / 36525.0; /* Julian centuries since J2000.0 */
    double t2 = t * t;
    double m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2; /* anomaly */
    double l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;                       /* mean long. */
    double dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(DEG * m);
    dl += (0.019993 - 0.000101 * t) * sin(DEG * 2 * m) + 0.000290 * sin(DEG * 3 * m);
    double l = (l0 + dl) * DEG;
    return l - 2 * PI_ * floor(l / (2 * PI_));
}

/* Which 30° sector (0..11; 9 = from the winter solstice) the Sun is in at the
 * start (00:00 local) of day jdn. A month holds a major solar term exactly
 * when the sector at its first day differs from the one at the next month's. */
static int sun_sector(int64_t jdn, int tz)
{
    int s = (int)floor(sun_longitude((double)jdn - 0.5 - tz / 24.0) / PI_ * 6.0);
    return s < 0 ? 0 : (s > 11 ? 11 : s);
}

/*
 * The 11th lunar month of solar year y (the month holding the winter
 * solstice): its new moon number. The last new moon on or before 31 December
 * starts it, unless the solstice had already passed at that new moon, in
 * which case the month before does.
 */
static int64_t month11_k(int y, int tz)
{
    int64_t dec31 = (int64_t)day_from_ymd(y, 12, 31) + JDN_1970;
    int64_t k = (int64_t)floor(((double)dec31 - 2415021.0) / SYNODIC);
    /* make sure month k starts on or before 31 December (a true new moon can
     * be up to ~0.6 day from the mean one) */
    while (new_moon_day(k, tz) > dec31)
        k--;
    while (new_moon_day(k + 1, tz) <= dec31)
        k++;
    if (sun_sector(new_moon_day(k, tz), tz) >= 9)
        k--;
    return k;
}

/*
 * One suì: the months from the 11th month of solar year y - 1 (new moon k0)
 * up to, not including, the 11th month of year y (k1). 12 or 13 months; with
 * 13, leap_off (1..12) is the offset from k0 of the leap month, else 0.
 */
typedef struct {
    int64_t k0, k1;
    int leap_off;
} sui_t;

static void sui_of(int y, int tz, sui_t *s)
{
    s->k0 = month11_k(y - 1, tz);
    s->k1 = month11_k(y, tz);
    s->leap_off = 0;
    if (s->k1 - s->k0 <= 12)
        return;
    /* the first month after the 11th without a major solar term */
    int prev = sun_sector(new_moon_day(s->k0 + 1, tz), tz);
    for (int i = 1; i < 13; i++) {
        int next = sun_sector(new_moon_day(s->k0 + i + 1, tz), tz);
        if (next == prev) {
            s->leap_off = i;
            return;
        }
        prev = next;
    }
    s->leap_off = 12; /* cannot happen with 13 months and 12 sectors; keep it total */
}

/* The month number (1..12) that a suì's leap month repeats. */
static int leap_month_number(int leap_off)
{
    int m = (leap_off + 10) % 12; /* offset 0 is the 11th month */
    return m == 0 ? 12 : m;
}

static bool tz_ok(int tz)
{
    return tz >= -12 && tz <= 14;
}

/*
 * The new moon number of lunar month (month, leap) of lunar year `year`;
 * -1 when there is no such month. Months 1..10 lie in the suì that ends in
 * the 11th month of solar year `year`, months 11 and 12 in the next one.
 */
static int lunar_month_k(int month, int year, bool leap, int tz, int64_t *k)
{
    if (year < LUNAR_YEAR_MIN || year > LUNAR_YEAR_MAX || month < 1 || month > 12 || !tz_ok(tz))
        return -1;
    sui_t s;
    sui_of(month < 11 ? year : year + 1, tz, &s);
    int off = (month + 1) % 12; /* 11 -> 0, 12 -> 1, 1 -> 2, .., 10 -> 11 */
    if (leap && (s.leap_off == 0 || leap_month_number(s.leap_off) != month))
        return -1;
    if (s.leap_off != 0 && (leap || off >= s.leap_off))
        off++;
    *k = s.k0 + off;
    return 0;
}

int lunar_to_solar_tz(int day, int month, int year, bool leap, int tz_hours, day_t *out)
{
    int64_t k;
    if (day < 1 || day > 30 || lunar_month_k(month, year, leap, tz_hours, &k) != 0)
        return -1;
    int64_t start = new_moon_day(k, tz_hours);
    if (day > new_moon_day(k + 1, tz_hours) - start)
        return -1;
    *out = (day_t)(start + day - 1 - JDN_1970);
    return 0;
}

int lunar_to_solar(int day, int month, int year, bool leap, day_t *out)
{
    return lunar_to_solar_tz(day, month, year, leap, LUNAR_TZ_VN, out);
}

int lunar_new_year_tz(int year, int tz_hours, day_t *out)
{
    return lunar_to_solar_tz(1, 1, year, false, tz_hours, out);
}

int lunar_new_year(int year, day_t *out)
{
    return lunar_new_year_tz(year, LUNAR_TZ_VN, out);
}

int lunar_month_days(int month, int year, bool leap)
{
    int64_t k;
    if (lunar_month_k(month, year, leap, LUNAR_TZ_VN, &k) != 0)
        return -1;
    return (int)(new_moon_day(k + 1, LUNAR_TZ_VN) - new_moon_day(k, LUNAR_TZ_VN));
}

/* A lunar year holds months 1..10 of suì `year` and 11..12 of suì year+1:
 * its leap month is the first one's when that repeats 1..10, else the
 * second one's when that repeats 11 or 12. */
int lunar_leap_month(int year)
{
    if (year < LUNAR_YEAR_MIN || year > LUNAR_YEAR_MAX)
        return -1;
    sui_t s;
    sui_of(year, LUNAR_TZ_VN, &s);
    if (s.leap_off >= 3)
        return leap_month_number(s.leap_off);
    sui_of(year + 1, LUNAR_TZ_VN, &s);
    if (s.leap_off == 1 || s.leap_off == 2)
        return leap_month_number(s.leap_off);
    return 0;
}

int lunar_from_solar_tz(day_t d, int tz_hours, lunar_date_t *out)
{
    if (!tz_ok(tz_hours))
        return -1;
    int y, m, dd;
    day_to_ymd(d, &y, &m, &dd);
    /* a solar year y holds lunar dates of years y - 1 and y only; the range
     * is checked on the result, this only keeps the search finite */
    if (y < LUNAR_YEAR_MIN || y > LUNAR_YEAR_MAX + 1)
        return -1;
    int64_t jdn = (int64_t)d + JDN_1970;
    /* the month holding d: the last new moon day on or before it */
    int64_t k = (int64_t)floor(((double)jdn - NEW_MOON_0) / SYNODIC) + 1;
    while (new_moon_day(k, tz_hours) > jdn)
        k--;
    while (new_moon_day(k + 1, tz_hours) <= jdn)
        k++;
    int64_t start = new_moon_day(k, tz_hours);

    /* the suì holding month k, named by the solar year of its end */
    sui_t s;
    int sui_year = y;
    sui_of(sui_year, tz_hours, &s);
    if (k >= s.k1) {
        sui_year = y + 1;
        sui_of(sui_year, tz_hours, &s);
    }
    int diff = (int)(k - s.k0); /* 0 = the 11th month of solar year sui_year - 1 */
    int month;
    bool leap = false;
    if (s.leap_off != 0 && diff >= s.leap_off) {
        month = diff + 10;
        leap = diff == s.leap_off;
    } else {
        month = diff + 11;
    }
    if (month > 12)
        month -= 12;
    out->day = (int)(jdn - start) + 1;
    out->month = month;
    out->leap = leap;
    /* months 11 and 12 at the head of the suì belong to the lunar year that
     * began in solar year sui_year - 1 */
    out->year = (month >= 11 && diff < 4) ? sui_year - 1 : sui_year;
    if (out->year < LUNAR_YEAR_MIN || out->year > LUNAR_YEAR_MAX)
        return -1;
    return 0;
}

int lunar_from_solar(day_t d, lunar_date_t *out)
{
    return lunar_from_solar_tz(d, LUNAR_TZ_VN, out);
}
