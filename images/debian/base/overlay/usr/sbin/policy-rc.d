#!/bin/sh
# In an image, installing a package must never start its service (nginx on port 80, a redis
# daemon) inside the build: 101 tells invoke-rc.d "action forbidden", as Docker's own Debian
# images do.
exit 101
