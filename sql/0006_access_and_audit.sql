-- Reserved; the access tables are in 0008 (generated) and their functions in 0009.
SELECT 1;
