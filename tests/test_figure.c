#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnl/figure.h"

/* ---- Helpers ------------------------------------------------------------ */

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/lnl_test_figure_XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_dir(char *dir)
{
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
    free(dir);
}

/* Reads a whole file; *size gets its length. */
static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long length = ftell(file);
    assert_true(length > 0);
    rewind(file);
    unsigned char *data = malloc((size_t)length + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)length, file), (size_t)length);
    data[length] = '\0';
    fclose(file);
    *size = (size_t)length;
    return data;
}

/* Returns true when needle occurs in data[0..size), which may hold NULs. */
static bool contains_bytes(const unsigned char *data, size_t size, const char *needle)
{
    size_t length = strlen(needle);
    for (size_t i = 0; i + length <= size; i++)
        if (memcmp(data + i, needle, length) == 0)
            return true;
    return false;
}

static uint32_t read_big_endian(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Checks the PNG signature and the IHDR chunk, and returns the size. */
static void check_png(const char *path, uint32_t *width, uint32_t *height)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t size;
    unsigned char *data = read_file(path, &size);
    assert_true(size > 33);
    assert_memory_equal(data, signature, 8);
    assert_int_equal(read_big_endian(data + 8), 13);
    assert_memory_equal(data + 12, "IHDR", 4);
    *width = read_big_endian(data + 16);
    *height = read_big_endian(data + 20);
    assert_true(*width > 100);
    assert_true(*height > 100);
    assert_memory_equal(data + size - 8, "IEND", 4);
    free(data);
}

static void check_pdf(const char *path)
{
    size_t size;
    unsigned char *data = read_file(path, &size);
    assert_memory_equal(data, "%PDF-", 5);
    size_t end = size;
    while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r'))
        end--;
    assert_true(end >= 5);
    assert_memory_equal(data + end - 5, "%%EOF", 5);
    assert_true(contains_bytes(data, size, "/MediaBox"));
    free(data);
}

/* Checks that the first element is <svg ...> and the file ends with
 * </svg>, and returns the width and height attributes in points. */
static void check_svg(const char *path, double *width, double *height)
{
    size_t size;
    unsigned char *data = read_file(path, &size);
    char *text = (char *)data;
    char *root = strstr(text, "<svg");
    assert_non_null(root);
    for (char *p = text; p < root; p++)
        if (*p == '<')
            assert_true(p[1] == '?' || p[1] == '!');
    assert_non_null(strstr(text, "</svg>"));
    char *w = strstr(root, "width=\"");
    char *h = strstr(root, "height=\"");
    assert_non_null(w);
    assert_non_null(h);
    *width = strtod(w + 7, NULL);
    *height = strtod(h + 8, NULL);
    free(data);
}

/* Renders through draw into dir/name.{png,pdf,svg}, checks each file and
 * that the PNG is LNL_FIGURE_PNG_SCALE times the SVG's size. */
typedef lnl_status (*draw_function)(const void *plot, const char *path, lnl_error *err);

static void check_three_formats(const char *dir, const char *name, draw_function draw,
                                const void *plot)
{
    char path[512];
    lnl_error err;
    const char *extensions[] = {"png", "pdf", "svg"};
    for (int e = 0; e < 3; e++) {
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, extensions[e]);
        assert_int_equal(draw(plot, path, &err), LNL_OK);
        char temp[600];
        snprintf(temp, sizeof temp, "%s.tmp", path);
        assert_int_equal(access(temp, F_OK), -1);
    }
    uint32_t png_width, png_height;
    double svg_width, svg_height;
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    check_png(path, &png_width, &png_height);
    snprintf(path, sizeof path, "%s/%s.pdf", dir, name);
    check_pdf(path);
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    check_svg(path, &svg_width, &svg_height);
    assert_int_equal(png_width, (uint32_t)ceil(svg_width * LNL_FIGURE_PNG_SCALE));
    assert_int_equal(png_height, (uint32_t)ceil(svg_height * LNL_FIGURE_PNG_SCALE));
}

/* Counts the pixels of a PNG within 2 of the colour rgb in every channel. */
static size_t count_colour(const char *path, const double rgb[3])
{
    cairo_surface_t *image = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
    int width = cairo_image_surface_get_width(image);
    int height = cairo_image_surface_get_height(image);
    int stride = cairo_image_surface_get_stride(image);
    const unsigned char *data = cairo_image_surface_get_data(image);
    int target[3];
    for (int c = 0; c < 3; c++)
        target[c] = (int)lround(rgb[c] * 255.0);
    size_t count = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            uint32_t pixel;
            memcpy(&pixel, data + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
            int r = (int)(pixel >> 16 & 0xff), g = (int)(pixel >> 8 & 0xff), b = (int)(pixel & 0xff);
            count += abs(r - target[0]) <= 2 && abs(g - target[1]) <= 2 && abs(b - target[2]) <= 2;
        }
    cairo_surface_destroy(image);
    return count;
}

/* ---- Colours and formats ------------------------------------------------- */

static void colormap_ends_and_clamps(void **state)
{
    (void)state;
    double low[3], high[3], below[3], above[3], mid[3], missing[3];
    lnl_figure_colormap(0.0, low);
    lnl_figure_colormap(1.0, high);
    lnl_figure_colormap(-3.0, below);
    lnl_figure_colormap(7.0, above);
    lnl_figure_colormap(0.5, mid);
    lnl_figure_colormap(NAN, missing);
    assert_memory_equal(low, below, sizeof low);
    assert_memory_equal(high, above, sizeof high);
    /* light to dark: every channel falls from 0 to 1 */
    for (int c = 0; c < 3; c++) {
        assert_true(low[c] > mid[c]);
        assert_true(mid[c] > high[c]);
        assert_true(missing[c] == 0.8);
    }
    assert_true(low[0] > 0.9);
    assert_true(high[2] < 0.5);
}

static void palette_first_colours_distinct(void **state)
{
    (void)state;
    double a[3], b[3], wrapped[3];
    lnl_figure_palette(0, a);
    lnl_figure_palette(1, b);
    lnl_figure_palette(12, wrapped);
    assert_memory_equal(a, wrapped, sizeof a);
    assert_true(fabs(a[0] - b[0]) + fabs(a[1] - b[1]) + fabs(a[2] - b[2]) > 0.5);
    /* 0x0072b2 */
    assert_true(a[0] == 0.0);
    assert_true(fabs(a[2] - 178.0 / 255.0) < 1e-15);
}

static void format_from_extension(void **state)
{
    (void)state;
    lnl_figure_format format;
    lnl_error err;
    assert_int_equal(lnl_figure_format_from_path("a/b.pdf", &format, &err), LNL_OK);
    assert_int_equal(format, LNL_FIGURE_PDF);
    assert_int_equal(lnl_figure_format_from_path("b.SVG", &format, &err), LNL_OK);
    assert_int_equal(format, LNL_FIGURE_SVG);
    assert_int_equal(lnl_figure_format_from_path("x.y.png", &format, &err), LNL_OK);
    assert_int_equal(format, LNL_FIGURE_PNG);
    assert_int_equal(lnl_figure_format_from_path("b.jpg", &format, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_figure_format_from_path("png", &format, &err), LNL_ERR_ARGUMENT);
}

/* ---- Line plots ----------------------------------------------------------- */

static const double rates[] = {0.0, 0.1, 0.2, 0.3, 0.4};
static const double baseline_mean[] = {0.97, 0.95, 0.92, 0.89, 0.78};
static const double baseline_std[] = {0.015, 0.023, 0.026, 0.040, 0.047};
static const double clean_mean[] = {0.97, 0.97, 0.97, 0.97, 0.97};

static lnl_status draw_line(const void *plot, const char *path, lnl_error *err)
{
    return lnl_figure_line_plot(plot, path, err);
}

static void line_plot_three_formats(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    lnl_figure_series series[] = {{"baseline", 5, rates, baseline_mean, baseline_std},
                                  {"clean_labels", 5, rates, clean_mean, NULL}};
    lnl_line_plot plot = {"breast_cancer, symmetric noise: test accuracy", "noise rate",
                          "test accuracy", series, 2, NULL, 0};
    check_three_formats(dir, "accuracy", draw_line, &plot);

    /* both series colours are drawn: lines, markers and error bars */
    char path[512];
    double first[3], second[3];
    lnl_figure_palette(0, first);
    lnl_figure_palette(1, second);
    snprintf(path, sizeof path, "%s/accuracy.png", dir);
    assert_true(count_colour(path, first) > 500);
    assert_true(count_colour(path, second) > 500);
    remove_dir(dir);
}

static void line_plot_handles_gaps_and_one_point(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    const double x[] = {0.0, NAN, 0.2}, y[] = {0.5, 0.6, NAN}, single[] = {0.3};
    lnl_figure_series series[] = {{"gaps", 3, x, y, NULL}, {"one", 1, single, single, NULL}};
    lnl_line_plot plot = {"gaps", "x", "y", series, 2, NULL, 0};
    check_three_formats(dir, "gaps", draw_line, &plot);

    lnl_line_plot empty = {"empty", NULL, NULL, NULL, 0, NULL, 0};
    check_three_formats(dir, "empty", draw_line, &empty);
    remove_dir(dir);
}

/* The 13th series repeats the first colour, so it gets another marker and
 * a dashed line; the figure still renders in every format. */
static void line_plot_many_series(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    enum { N_SERIES = 13 };
    double values[N_SERIES][5];
    lnl_figure_series series[N_SERIES];
    char names[N_SERIES][16];
    for (int s = 0; s < N_SERIES; s++) {
        for (int i = 0; i < 5; i++)
            values[s][i] = 0.9 - 0.02 * s - 0.1 * rates[i];
        snprintf(names[s], sizeof names[s], "method %d", s);
        series[s] = (lnl_figure_series){names[s], 5, rates, values[s], baseline_std};
    }
    lnl_line_plot plot = {"thirteen methods", "noise rate", "test accuracy", series, N_SERIES,
                          NULL, 0};
    check_three_formats(dir, "many", draw_line, &plot);
    remove_dir(dir);
}

static void line_plot_rejects_missing_values(void **state)
{
    (void)state;
    lnl_figure_series series[] = {{"broken", 3, rates, NULL, NULL}};
    lnl_line_plot plot = {"t", "x", "y", series, 1, NULL, 0};
    lnl_error err;
    assert_int_equal(lnl_figure_line_plot(&plot, "/tmp/never.png", &err), LNL_ERR_ARGUMENT);
    assert_int_equal(access("/tmp/never.png", F_OK), -1);
}

static void line_plot_unwritable_is_io(void **state)
{
    (void)state;
    lnl_figure_series series[] = {{"baseline", 5, rates, baseline_mean, NULL}};
    lnl_line_plot plot = {"t", "x", "y", series, 1, NULL, 0};
    lnl_error err;
    assert_int_equal(lnl_figure_line_plot(&plot, "/nonexistent/folder/a.pdf", &err), LNL_ERR_IO);
    assert_non_null(strstr(err.message, "cannot write"));
}

/* Class-conditional settings 0.2/0.2 and 0.3/0.1 share the mean rate 0.2,
 * so as categories they get ticks of their own, one plot-width third
 * apart, in the given order, with the settings as labels. */
static void line_plot_categorical_ticks(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    const char *settings[] = {"0.2/0.2", "0.3/0.1", "0.4/0.4"};
    const double x[] = {0.0, 1.0, 2.0}, base[] = {0.93, 0.89, 0.77}, better[] = {0.94, 0.92, 0.85};
    const double std[] = {0.02, 0.03, 0.05};
    lnl_figure_series series[] = {{"baseline", 3, x, base, std}, {"forward", 3, x, better, std}};
    lnl_line_plot plot = {"categories", "noise setting", "test accuracy", series, 2, settings, 3};
    check_three_formats(dir, "categories", draw_line, &plot);

    lnl_figure_tick ticks[4];
    size_t n_ticks = 0;
    lnl_error err;
    assert_int_equal(lnl_figure_line_plot_x_ticks(&plot, ticks, 4, &n_ticks, &err), LNL_OK);
    assert_int_equal(n_ticks, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(ticks[i].label, settings[i]);
    /* the 440-point plot area has 3 spacings of 440 / 3 points, with half
     * a spacing at either end */
    assert_true(fabs(ticks[1].position - ticks[0].position - 440.0 / 3.0) < 1e-9);
    assert_true(fabs(ticks[2].position - ticks[1].position - 440.0 / 3.0) < 1e-9);

    /* a capacity below the count still returns the count */
    assert_int_equal(lnl_figure_line_plot_x_ticks(&plot, ticks, 1, &n_ticks, &err), LNL_OK);
    assert_int_equal(n_ticks, 3);
    assert_string_equal(ticks[0].label, "0.2/0.2");
    remove_dir(dir);
}

/* Without categories the same rates give round numeric ticks, and two
 * points at the same rate share one x. */
static void line_plot_numeric_ticks(void **state)
{
    (void)state;
    lnl_figure_series series[] = {{"baseline", 5, rates, baseline_mean, NULL}};
    lnl_line_plot plot = {"t", "noise rate", "y", series, 1, NULL, 0};
    lnl_figure_tick ticks[16];
    size_t n_ticks = 0;
    lnl_error err;
    assert_int_equal(lnl_figure_line_plot_x_ticks(&plot, ticks, 16, &n_ticks, &err), LNL_OK);
    assert_int_equal(n_ticks, 5);
    const char *expected[] = {"0.0", "0.1", "0.2", "0.3", "0.4"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(ticks[i].label, expected[i]);
    /* the rates span 0.4 plus a 5% margin either side: 0.44 over 440 points */
    assert_true(fabs(ticks[1].position - ticks[0].position - 100.0) < 1e-9);
}

static void line_plot_rejects_bad_category(void **state)
{
    (void)state;
    const char *settings[] = {"0.2/0.2", "0.3/0.1"};
    const double x[] = {0.0, 0.5}, y[] = {0.9, 0.8}, beyond[] = {0.0, 2.0};
    lnl_figure_series series[] = {{"m", 2, x, y, NULL}};
    lnl_line_plot plot = {"t", "x", "y", series, 1, settings, 2};
    lnl_figure_tick ticks[2];
    size_t n_ticks;
    lnl_error err;
    assert_int_equal(lnl_figure_line_plot(&plot, "/tmp/never.png", &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "line plot: x = 0.5 of point 1 of series 0 is not a "
                                     "category index 0..1");
    series[0].x = beyond;
    assert_int_equal(lnl_figure_line_plot_x_ticks(&plot, ticks, 2, &n_ticks, &err),
                     LNL_ERR_ARGUMENT);
    plot.n_categories = 0;
    assert_int_equal(lnl_figure_line_plot(&plot, "/tmp/never.png", &err), LNL_ERR_ARGUMENT);
    assert_int_equal(access("/tmp/never.png", F_OK), -1);
}

/* Category labels wider than their spacing run upwards, which makes the
 * figure taller by about their width, and keeps the plot's width. */
static void line_plot_long_categories_run_upwards(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    enum { N = 8 };
    const char *short_names[N] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    const char *long_names[N] = {"a very long setting name 0", "a very long setting name 1",
                                 "a very long setting name 2", "a very long setting name 3",
                                 "a very long setting name 4", "a very long setting name 5",
                                 "a very long setting name 6", "a very long setting name 7"};
    double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = i;
        y[i] = 0.9 - 0.01 * i;
    }
    lnl_figure_series series[] = {{"m", N, x, y, NULL}};
    lnl_line_plot plot = {"t", "setting", "y", series, 1, short_names, N};
    check_three_formats(dir, "short", draw_line, &plot);
    plot.x_categories = long_names;
    check_three_formats(dir, "long", draw_line, &plot);

    char path[512];
    uint32_t short_width, short_height, long_width, long_height;
    snprintf(path, sizeof path, "%s/short.png", dir);
    check_png(path, &short_width, &short_height);
    snprintf(path, sizeof path, "%s/long.png", dir);
    check_png(path, &long_width, &long_height);
    assert_int_equal(long_width, short_width);
    assert_true(long_height > short_height + 150);
    remove_dir(dir);
}

/* ---- Scatter plots ----------------------------------------------------------- */

static lnl_status draw_scatter(const void *plot, const char *path, lnl_error *err)
{
    return lnl_figure_scatter_plot(plot, path, err);
}

static void scatter_plot_marks_points(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    enum { N = 200 };
    double x[N], y[N];
    int labels[N];
    bool marked[N];
    for (int i = 0; i < N; i++) {
        labels[i] = i % 2;
        x[i] = cos(0.1 * i) + 2.0 * labels[i];
        y[i] = sin(0.1 * i);
        marked[i] = i % 10 == 0;
    }
    const char *names[] = {"B", "M"};
    lnl_scatter_plot plot = {"noisy labels", "PC1", "PC2", N, x, y, labels, 2, names, marked,
                             "flipped label"};
    check_three_formats(dir, "scatter", draw_scatter, &plot);

    lnl_scatter_plot unmarked = plot;
    unmarked.marked = NULL;
    unmarked.class_names = NULL;
    check_three_formats(dir, "clean", draw_scatter, &unmarked);
    remove_dir(dir);
}

static void scatter_plot_rejects_bad_label(void **state)
{
    (void)state;
    const double x[] = {0.0, 1.0};
    const int labels[] = {0, 2};
    lnl_scatter_plot plot = {"t", "x", "y", 2, x, x, labels, 2, NULL, NULL, NULL};
    lnl_error err;
    assert_int_equal(lnl_figure_scatter_plot(&plot, "/tmp/never.svg", &err), LNL_ERR_ARGUMENT);
    plot.n_classes = 0;
    assert_int_equal(lnl_figure_scatter_plot(&plot, "/tmp/never.svg", &err), LNL_ERR_ARGUMENT);
    assert_int_equal(access("/tmp/never.svg", F_OK), -1);
}

/* ---- Heat maps ------------------------------------------------------------- */

static lnl_status draw_heatmap(const void *plot, const char *path, lnl_error *err)
{
    return lnl_figure_heatmap(plot, path, err);
}

/* Each cell of a 2 x 2 matrix on the scale [0, 1] is a 72 x 72 pixel
 * square (36 points) of its colormap colour, minus its annotation. So each
 * colour covers thousands of pixels, and a value absent from the matrix
 * covers almost none. */
static void heatmap_fills_cells_with_colormap(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    const double T[] = {0.8, 0.2, 0.35, 0.65};
    const char *names[] = {"B", "M"};
    lnl_heatmap panel = {"true T", 2, 2, T, names, names, "clean class", "noisy class", 0.0, 1.0};
    check_three_formats(dir, "transition", draw_heatmap, &panel);

    char path[512];
    snprintf(path, sizeof path, "%s/transition.png", dir);
    for (int i = 0; i < 4; i++) {
        double rgb[3];
        lnl_figure_colormap(T[i], rgb);
        assert_true(count_colour(path, rgb) > 3000);
    }
    double absent[3];
    lnl_figure_colormap(0.5, absent);
    assert_true(count_colour(path, absent) < 100);
    remove_dir(dir);
}

static lnl_status draw_pair(const void *plot, const char *path, lnl_error *err)
{
    return lnl_figure_heatmaps(plot, 2, "symmetric noise, rate 0.2", NULL, path, err);
}

static void heatmaps_two_panels_and_large(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    const double truth[] = {0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8};
    const double estimate[] = {0.75, 0.15, 0.1, 0.12, 0.8, 0.08, NAN, 0.2, 0.7};
    lnl_heatmap panels[] = {{"true T", 3, 3, truth, NULL, NULL, "clean", "noisy", 0.0, 1.0},
                            {"estimated T", 3, 3, estimate, NULL, NULL, "clean", "noisy", 0.0,
                             1.0}};
    check_three_formats(dir, "pair", draw_pair, panels);

    /* 20 x 20 with the data range as scale: no annotations, smaller cells */
    double big[400];
    for (int i = 0; i < 400; i++)
        big[i] = (double)(i % 21);
    lnl_heatmap large = {"digits", 20, 20, big, NULL, NULL, NULL, NULL, 0.0, 0.0};
    check_three_formats(dir, "large", draw_heatmap, &large);

    /* names too wide for a cell are set vertically, which makes the
     * figure taller than one with short names */
    const char *short_names[] = {"a", "b", "c"};
    const char *long_names[] = {"a", "b", "a class name far wider than any cell"};
    lnl_heatmap named = {"named", 3, 3, truth, short_names, short_names, "clean", "noisy",
                         0.0, 1.0};
    check_three_formats(dir, "short_names", draw_heatmap, &named);
    named.col_names = long_names;
    check_three_formats(dir, "long_names", draw_heatmap, &named);
    char path[512];
    uint32_t short_width, short_height, long_width, long_height;
    snprintf(path, sizeof path, "%s/short_names.png", dir);
    check_png(path, &short_width, &short_height);
    snprintf(path, sizeof path, "%s/long_names.png", dir);
    check_png(path, &long_width, &long_height);
    assert_true(long_height > short_height + 200);
    assert_int_equal(long_width, short_width);
    remove_dir(dir);
}

static lnl_status draw_captioned(const void *plot, const char *path, lnl_error *err)
{
    return lnl_figure_heatmaps(plot, 2, "pair noise", "Classes: 0 = benign, 1 = malignant",
                               path, err);
}

/* A caption adds a line under the panels; one wider than the figure is
 * broken after its commas into several lines, each one row taller. */
static void heatmaps_caption_wraps(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    const double T[] = {0.8, 0.2, 0.35, 0.65};
    lnl_heatmap panels[] = {{"true T", 2, 2, T, NULL, NULL, "clean", "noisy", 0.0, 1.0},
                            {"realized", 2, 2, T, NULL, NULL, "clean", "noisy", 0.0, 1.0}};
    check_three_formats(dir, "captioned", draw_captioned, panels);
    check_three_formats(dir, "plain", draw_pair, panels);

    char caption[2048] = "Classes:";
    for (int k = 0; k < 12; k++) {
        char entry[96];
        snprintf(entry, sizeof entry, "%s %d = a rather long class name number %d",
                 k > 0 ? "," : "", k, k);
        strcat(caption, entry);
    }
    char path[512];
    lnl_error err;
    snprintf(path, sizeof path, "%s/long.png", dir);
    assert_int_equal(lnl_figure_heatmaps(panels, 2, "pair noise", caption, path, &err), LNL_OK);

    uint32_t plain_width, plain_height, one_width, one_height, long_width, long_height;
    snprintf(path, sizeof path, "%s/plain.png", dir);
    check_png(path, &plain_width, &plain_height);
    snprintf(path, sizeof path, "%s/captioned.png", dir);
    check_png(path, &one_width, &one_height);
    snprintf(path, sizeof path, "%s/long.png", dir);
    check_png(path, &long_width, &long_height);
    assert_int_equal(one_width, plain_width);
    assert_int_equal(long_width, plain_width);
    /* one line: 14 points and a 6-point margin; the long one needs at
     * least 4 lines of 14 points at 2 pixels per point */
    assert_int_equal(one_height, plain_height + 2 * (14 + 6));
    assert_true(long_height >= one_height + 3 * 2 * 14);
    remove_dir(dir);
}

static void heatmap_rejects_empty(void **state)
{
    (void)state;
    lnl_heatmap panel = {"t", 0, 2, NULL, NULL, NULL, NULL, NULL, 0.0, 1.0};
    lnl_error err;
    assert_int_equal(lnl_figure_heatmap(&panel, "/tmp/never.pdf", &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_figure_heatmaps(&panel, 0, NULL, NULL, "/tmp/never.pdf", &err),
                     LNL_ERR_ARGUMENT);
    assert_int_equal(access("/tmp/never.pdf", F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(colormap_ends_and_clamps),
        cmocka_unit_test(palette_first_colours_distinct),
        cmocka_unit_test(format_from_extension),
        cmocka_unit_test(line_plot_three_formats),
        cmocka_unit_test(line_plot_handles_gaps_and_one_point),
        cmocka_unit_test(line_plot_many_series),
        cmocka_unit_test(line_plot_rejects_missing_values),
        cmocka_unit_test(line_plot_unwritable_is_io),
        cmocka_unit_test(line_plot_categorical_ticks),
        cmocka_unit_test(line_plot_numeric_ticks),
        cmocka_unit_test(line_plot_rejects_bad_category),
        cmocka_unit_test(line_plot_long_categories_run_upwards),
        cmocka_unit_test(scatter_plot_marks_points),
        cmocka_unit_test(scatter_plot_rejects_bad_label),
        cmocka_unit_test(heatmap_fills_cells_with_colormap),
        cmocka_unit_test(heatmaps_two_panels_and_large),
        cmocka_unit_test(heatmaps_caption_wraps),
        cmocka_unit_test(heatmap_rejects_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
