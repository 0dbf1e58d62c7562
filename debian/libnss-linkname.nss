# After files, so /etc/hosts still wins, and before dns, mdns* and resolve:
# linkname answers from memory and only for what is its own (the same place
# `linknamectl nss enable` uses).
hosts after=files linkname
