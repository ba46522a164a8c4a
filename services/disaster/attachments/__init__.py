"""Files attached to disaster records: photos and signatures as proof that aid was handed over, a
victim's photo as proof of who they are. Seen only by who may see the record."""
