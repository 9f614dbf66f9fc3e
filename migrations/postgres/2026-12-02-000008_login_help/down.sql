DELETE FROM help_feedback WHERE article_slug = 'log-ind';
DELETE FROM help_articles WHERE slug = 'log-ind';
DROP TABLE login_links;
