# sensors.py - the sensor-alerts benchmark in plain Python 3: drop readings
# outside -40..125, keep those above 80, write ts,sensor_id,site,value,over.
# Usage: python3 sensors.py readings.csv alerts.csv
import csv
import sys


def text(x):
    """rgp's float text: repr() is already the shortest round trip; rgp drops '.0'."""
    s = repr(x)
    return s[:-2] if s.endswith(".0") else s


def main(src, dst):
    with open(src, newline="") as fin, open(dst, "w", newline="") as fout:
        rows = csv.reader(fin)
        out = csv.writer(fout, lineterminator="\n")
        next(rows)  # the header
        out.writerow(("ts", "sensor_id", "site", "value", "over"))
        for sensor_id, site, value, ts in rows:
            v = float(value)
            if v < -40.0 or v > 125.0:
                continue
            if v > 80.0:
                out.writerow((ts, sensor_id, site, text(v), text(v - 80.0)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
