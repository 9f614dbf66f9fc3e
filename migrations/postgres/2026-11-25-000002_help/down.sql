DROP TABLE help_feedback;
DROP TABLE help_articles;
