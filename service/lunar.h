/*
 * lunar.h - the Vietnamese lunisolar calendar (âm lịch), spec §6.
 *
 * Tết and the Hùng Kings' day are lunar dates, and the Labour Code's holidays
 * follow them, so the working-day calendar needs lunar <-> solar conversion
 * for every year of its window. The dates are computed from astronomy, not
 * from a table: months start on the local day of the new moon and the leap
 * month is the first month without a major solar term (trung khí) in a year
 * of 13 months (from one 11th month, holding the winter solstice, to the
 * next). Vietnam reckons the local day at UTC+7, China at UTC+8, which is why
 * the two calendars differ in some years (Tết 2030: 2 February in Vietnam,
 * 3 February in China). The _tz functions take the offset in hours, to show
 * and test exactly that; everything else uses UTC+7.
 *
 * Lunar years are accepted from LUNAR_YEAR_MIN to LUNAR_YEAR_MAX (the
 * astronomical series used are good to minutes there). Pure, no I/O, no
 * state: safe from any thread.
 */
#ifndef MOTCUA_LUNAR_H
#define MOTCUA_LUNAR_H

#include <stdbool.h>
#include "ts.h"

#define LUNAR_YEAR_MIN 1800
#define LUNAR_YEAR_MAX 2299
#define LUNAR_TZ_VN 7 /* hours east of UTC */

typedef struct {
    int day;    /* 1..30 */
    int month;  /* 1..12 */
    int year;   /* the lunar year (the solar year in which its 1/1 falls) */
    bool leap;  /* the repeated (leap, nhuận) month */
} lunar_date_t;

/* The lunar date of solar day d. 0 ok, -1 when d is outside the supported
 * years (lunar years LUNAR_YEAR_MIN..LUNAR_YEAR_MAX). */
int lunar_from_solar(day_t d, lunar_date_t *out);
int lunar_from_solar_tz(day_t d, int tz_hours, lunar_date_t *out);

/* The solar day of lunar day/month/year (leap: the leap month). 0 ok, -1 when
 * there is no such date (month or day out of range, a 30th in a 29-day month,
 * leap for a month that is not the year's leap month, or the year out of
 * range). */
int lunar_to_solar(int day, int month, int year, bool leap, day_t *out);
int lunar_to_solar_tz(int day, int month, int year, bool leap, int tz_hours, day_t *out);

/* The day of Tết (1/1 lunar) of lunar year `year`, which falls in the solar
 * year `year`. 0 ok, -1 out of range. */
int lunar_new_year(int year, day_t *out);
int lunar_new_year_tz(int year, int tz_hours, day_t *out);

/* The leap month of lunar year `year` (1..12; the leap month follows the
 * ordinary month of that number), 0 when it has none, -1 out of range. */
int lunar_leap_month(int year);

/* The number of days (29 or 30) of a lunar month; -1 when there is no such
 * month. */
int lunar_month_days(int month, int year, bool leap);

#endif
