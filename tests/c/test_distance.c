/*
 * C tests of collabmetrics' distance functions: cm_distance_bng, cm_distance_geodesic,
 * cm_distance_haversine and cm_bng_to_wgs84. Expected values are worked out here (right
 * triangles on the grid, arcs of known central angle) or quoted from their published source.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "collabmetrics.h"

static const double PI = 3.14159265358979323846;
/* Mean Earth radius of the haversine (km) and the WGS84 equatorial radius (km). */
static const double R_MEAN = 6371.0088, WGS84_A = 6378.137;

static void test_bng(void) {
    /* (dE, dN) = (3, 4), (5, -12), (-8, 15) km and no move: 5, 13, 17 and 0 km. */
    double e1[4] = {100000, 400000, 600000, 531000}, n1[4] = {200000, 812000, 1000000, 181000};
    double e2[4] = {103000, 405000, 592000, 531000}, n2[4] = {204000, 800000, 1015000, 181000};
    double km[4];
    CHECK_STATUS(cm_distance_bng(e1, n1, e2, n2, 4, false, km), CM_OK);
    CHECK(km[0] == 5.0 && km[1] == 13.0 && km[2] == 17.0 && km[3] == 0.0);

    /* Rounding as MHSDS: hypot 2500 m -> 2.5 -> 3 km (half away from zero), 4499 m -> 4 km. */
    double z[3] = {0, 0, 0}, ee[3] = {1500, 4499, 300}, nn[3] = {2000, 0, 400};
    CHECK_STATUS(cm_distance_bng(z, z, ee, nn, 3, false, km), CM_OK);
    CHECK(km[0] == 2.5 && km[1] == 4.499 && km[2] == 0.5);
    CHECK_STATUS(cm_distance_bng(z, z, ee, nn, 3, true, km), CM_OK);
    CHECK(km[0] == 3.0 && km[1] == 4.0 && km[2] == 1.0);

    /* No rows: NULL pointers are fine. */
    CHECK_STATUS(cm_distance_bng(NULL, NULL, NULL, NULL, 0, false, NULL), CM_OK);
}

static void test_bng_many_rows(void) {
    /* Enough rows to be split over threads: row i is a (3i, 4i) m move, so 5i m. */
    enum { N = 40000 };
    double *e1 = malloc(N * sizeof *e1), *n1 = malloc(N * sizeof *n1);
    double *e2 = malloc(N * sizeof *e2), *n2 = malloc(N * sizeof *n2);
    double *km = malloc(N * sizeof *km);
    if (!e1 || !n1 || !e2 || !n2 || !km) {
        CHECK(!"out of memory");
        return;
    }
    for (int i = 0; i < N; i++) {
        e1[i] = 100000.0;
        n1[i] = 100000.0;
        e2[i] = 100000.0 + 3.0 * i;
        n2[i] = 100000.0 + 4.0 * i;
    }
    CHECK_STATUS(cm_distance_bng(e1, n1, e2, n2, N, false, km), CM_OK);
    int wrong = 0;
    for (int i = 0; i < N; i++) wrong += km[i] != 5.0 * i / 1000.0;
    CHECK(wrong == 0);
    /* Bad rows in two chunks: the first one is reported. */
    e2[30000] = -1.0;
    n1[20000] = NAN;
    CHECK_STATUS(cm_distance_bng(e1, n1, e2, n2, N, false, km), CM_INVALID_VALUE);
    CHECK_MESSAGE("`n1` at index 20000 (NaN)");
    free(e1);
    free(n1);
    free(e2);
    free(n2);
    free(km);
}

static void test_bng_errors(void) {
    double ok[2] = {1000, 2000}, bad[2] = {1000, -1}, nan_[2] = {NAN, 0}, km[2];
    CHECK_STATUS(cm_distance_bng(bad, ok, ok, ok, 2, false, km), CM_INVALID_VALUE);
    CHECK_MESSAGE("`e1` at index 1 (-1)");
    CHECK_MESSAGE("eastings must be in [0, 700000]");
    double far[2] = {0, 1300001};
    CHECK_STATUS(cm_distance_bng(ok, ok, ok, far, 2, false, km), CM_INVALID_VALUE);
    CHECK_MESSAGE("`n2` at index 1 (1300001)");
    CHECK_STATUS(cm_distance_bng(ok, ok, nan_, ok, 2, false, km), CM_INVALID_VALUE);
    CHECK_MESSAGE("`e2` at index 0 (NaN)");
    CHECK_STATUS(cm_distance_bng(ok, NULL, ok, ok, 2, false, km), CM_NULL_POINTER);
    CHECK_MESSAGE("`n1`");
    CHECK_STATUS(cm_distance_bng(ok, ok, ok, ok, 2, false, NULL), CM_NULL_POINTER);
    CHECK_MESSAGE("`out_km`");
    /* The output may not overwrite an input. */
    double e[2] = {1000, 2000};
    CHECK_STATUS(cm_distance_bng(e, ok, ok, ok, 2, false, e), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`out_km`: shares memory with `e1`");
    /* A success clears the last error. */
    CHECK_STATUS(cm_distance_bng(ok, ok, ok, ok, 2, false, km), CM_OK);
    CHECK(strcmp(cm_last_error_message(), "") == 0);
}

static void test_haversine(void) {
    /* One degree of the equator (R x pi/180); (0, 0) to (45, 45): cos c = cos^2 45 = 1/2, so
     * c = pi/3; pole to pole: pi R. */
    double lat1[3] = {0, 0, 90}, lon1[3] = {0, 0, 0}, lat2[3] = {0, 45, -90}, lon2[3] = {1, 45, 0};
    double km[3];
    CHECK_STATUS(cm_distance_haversine(lat1, lon1, lat2, lon2, 3, km), CM_OK);
    CHECK_CLOSE(km[0], R_MEAN * PI / 180.0, 1e-12);
    CHECK_CLOSE(km[1], R_MEAN * PI / 3.0, 1e-12);
    CHECK_CLOSE(km[2], R_MEAN * PI, 1e-12);
    double bad[1] = {-180.5}, zero[1] = {0};
    CHECK_STATUS(cm_distance_haversine(zero, bad, zero, zero, 1, km), CM_INVALID_VALUE);
    CHECK_MESSAGE("`lon1` at index 0 (-180.5): longitudes must be in [-180, 180]");
}

static void test_geodesic(void) {
    /* GeographicLib's documentation: JFK (40.6, -73.8) to LHR (51.6, -0.5) is 5551.759400319 km.
     * Along the equator a short geodesic is the equator itself: a x (1 degree in radians). */
    double lat1[2] = {40.6, 0}, lon1[2] = {-73.8, 10}, lat2[2] = {51.6, 0}, lon2[2] = {-0.5, 11};
    double km[2];
    CHECK_STATUS(cm_distance_geodesic(lat1, lon1, lat2, lon2, 2, km), CM_OK);
    CHECK_CLOSE(km[0], 5551.759400319, 1e-12);
    CHECK_CLOSE(km[1], WGS84_A * PI / 180.0, 1e-12);
    double north[1] = {90.001}, zero[1] = {0};
    CHECK_STATUS(cm_distance_geodesic(zero, zero, north, zero, 1, km), CM_INVALID_VALUE);
    CHECK_MESSAGE("`lat2` at index 0 (90.001): latitudes must be in [-90, 90]");
}

/* Metres between two nearby latitude/longitude points, on the local sphere. */
static double metres_apart(double lat1, double lon1, double lat2, double lon2) {
    double rad = PI / 180.0, r_m = R_MEAN * 1000.0;
    double dy = (lat1 - lat2) * rad * r_m;
    double dx = (lon1 - lon2) * rad * r_m * cos(lat2 * rad);
    return sqrt(dx * dx + dy * dy);
}

static void test_bng_to_wgs84(void) {
    /* OS test points for OSTN15: the Ordnance Survey's head office (OSHQ) and Edinburgh (EDIN),
     * OSGB36 E, N and ETRS89 latitude, longitude as the OS publishes them. The Helmert
     * transformation lands within the ~5 m the OS documents. */
    double e[2] = {438710.908, 319188.423}, n[2] = {114792.248, 670947.532}, lat[2], lon[2];
    CHECK_STATUS(cm_bng_to_wgs84(e, n, 2, lat, lon), CM_OK);
    CHECK(metres_apart(lat[0], lon[0], 50.9312793775, -1.450514340555556) < 5.0);
    CHECK(metres_apart(lat[1], lon[1], 55.9247826525, -3.294792187777777) < 5.0);

    double bad_e[1] = {700001}, one[1] = {1};
    CHECK_STATUS(cm_bng_to_wgs84(bad_e, one, 1, lat, lon), CM_INVALID_VALUE);
    CHECK_MESSAGE("`e` at index 0 (700001)");
    CHECK_STATUS(cm_bng_to_wgs84(one, one, 1, lat, lat), CM_INVALID_ARGUMENT);
    CHECK_MESSAGE("`lon`: shares memory with `lat`");
}

int main(void) {
    test_bng();
    test_bng_many_rows();
    test_bng_errors();
    test_haversine();
    test_geodesic();
    test_bng_to_wgs84();
    return check_finish();
}
